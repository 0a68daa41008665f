/**
 * A plain, specific sentence for an error our own code raised (not a Proxmox task's or API's answer), to show
 * in Slack instead of the raw message: raw messages carry internal addresses, stack-ish detail and, from some
 * libraries, connection strings. The raw text belongs in the log only.
 */
export function explainInternalError(message: string): string {
  const m = message.toLowerCase();
  const network =
    /econnrefused|etimedout|enotfound|eai_again|ehostunreach|enetunreach|econnreset|socket hang up|fetch failed|timed? ?out/;
  if (/redis|:6379\b|connection is closed|maxretriesperrequest|readonly you can't write/.test(m)) {
    return 'the worker could not reach Redis, where requests and jobs are kept';
  }
  if (network.test(m)) {
    const why = /econnrefused/.test(m)
      ? 'connection refused'
      : /enotfound|eai_again/.test(m)
        ? 'its host name did not resolve'
        : /econnreset|socket hang up/.test(m)
          ? 'the connection was cut'
          : /timed? ?out|etimedout/.test(m)
            ? 'it did not answer in time'
            : 'no route to it';
    return `the worker could not reach Proxmox (${why})`;
  }
  return 'the worker hit an unexpected error (logged with this request id for an admin)';
}
