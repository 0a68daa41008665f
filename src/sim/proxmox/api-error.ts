/**
 * An error the simulated API answers with: status, message (its first line becomes the HTTP reason
 * phrase) and, for 400s, per-parameter `errors`. `bare` errors (auth 401s, 595) carry no body.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
    readonly bare = false,
  ) {
    super(message);
  }
}

/** 400 `Parameter verification failed.` with `errors` by parameter, as PVE::JSONSchema raises it. */
export function paramError(errors: Record<string, string>): ApiError {
  return new ApiError(400, 'Parameter verification failed.\n', errors);
}

/** 500 with Proxmox's message (a `die "…\n"` in the API handler). */
export function serverError(message: string): ApiError {
  return new ApiError(500, message.endsWith('\n') ? message : `${message}\n`);
}

/** 403 `Permission check failed (/vms/9000, VM.Clone)`. */
export function permissionError(path: string, privilege: string): ApiError {
  return new ApiError(403, `Permission check failed (${path}, ${privilege})\n`);
}

/**
 * 403 from pve-common `PVE::Exception::raise_perm_exc`: `Permission check failed` and, when given, `(what)`.
 * An `or` of permission checks that all fail names no path at all (pve-access-control
 * `PVE::RPCEnvironment::exec_api2_perm_check`), a missing pool says `(pool 'x' does not exist)`.
 */
export function permissionFailure(what?: string): ApiError {
  return new ApiError(
    403,
    what === undefined ? 'Permission check failed\n' : `Permission check failed (${what})\n`,
  );
}
