import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../clock.ts';
import type { ApiContext } from './api-context.ts';
import { AppClient } from './app-client.ts';
import { CallLog } from './call-log.ts';
import { DEMO_CHANNEL, DEMO_USERGROUPS, DEMO_USERS, Directory } from './directory.ts';
import { FaultInjector } from './fault-injector.ts';
import { handleApiCall } from './handle-api-call.ts';
import { MessageStore } from './message-store.ts';
import { ResponseUrls } from './response-urls.ts';
import { SandboxRoutes } from './sandbox-routes.ts';
import type { SimEvent } from './sim-events.ts';
import type { SlackSim } from './slack-sim.ts';
import { SocketModeServer } from './socket-mode-server.ts';
import type { SlackSimOptions } from './types.ts';
import { ViewStore } from './view-store.ts';

export type { BlockActionInput, SlashCommandInput, SubmitViewInput } from './app-client.ts';
export { DEMO_CHANNEL, DEMO_USERGROUPS, DEMO_USERS } from './directory.ts';
export { type SignedRequestOptions, slackSignature } from './sign-request.ts';
export type { SlackSim, SocketModeControl } from './slack-sim.ts';
export type { DisconnectReason, EnvelopeOutcome, SocketModeTiming } from './socket-mode-server.ts';
export type * from './types.ts';

/** The sample signing secret the sim signs with unless told otherwise. */
export const SIM_SIGNING_SECRET = 'sandbox-signing-secret';
/** A bot token the sim accepts (any `xoxb-…` is accepted unless `botToken` is set). */
export const SIM_BOT_TOKEN = 'xoxb-sandbox-token';
/** An app-level token the sim accepts for Socket Mode (any `xapp-…` is accepted unless `appToken` is set). */
export const SIM_APP_TOKEN = 'xapp-1-A0CLONEBOT-1-sandbox';

/** Starts the fake Slack (Web API, response_urls, app-facing side, sandbox page) on one HTTP port. */
export async function startSlackSim(options: SlackSimOptions = {}): Promise<SlackSim> {
  const clock = options.clock ?? systemClock;
  const botUserId = options.botUserId ?? 'U0CLONEBOT';
  const identity = {
    teamId: options.teamId ?? 'T0SANDBOX',
    teamDomain: options.teamDomain ?? 'sandbox',
    appId: options.appId ?? 'A0CLONEBOT',
    botUserId,
    botId: options.botId ?? 'B0CLONEBOT',
  };
  let url = '';
  let sandbox: SandboxRoutes | undefined;
  const log = new CallLog();
  const emit = (event: SimEvent) => {
    sandbox?.broadcast(event);
    log.changed();
  };
  const bot = { id: botUserId, name: 'clonebot', realName: 'clonebot', isBot: true };
  const initial = {
    users: [bot, ...(options.users ?? DEMO_USERS)],
    channels: options.channels ?? [DEMO_CHANNEL],
    usergroups: options.usergroups ?? DEMO_USERGROUPS,
  };
  const directory = new Directory(initial, emit);
  const messages = new MessageStore(clock, emit);
  const views = new ViewStore(clock, emit);
  const faults = new FaultInjector(clock);
  const ctx: ApiContext = { ...identity, clock, directory, messages, views, url: '' };
  const responseUrls = new ResponseUrls({
    ...identity,
    clock,
    messages,
    url: () => url,
    changed: () => log.changed(),
  });
  const signingSecret = options.signingSecret ?? SIM_SIGNING_SECRET;
  const source = { ...identity, verificationToken: 'sandbox-verification-token' };
  const socket = new SocketModeServer({
    appId: identity.appId,
    ...(options.appToken !== undefined ? { appToken: options.appToken } : {}),
    ...(options.socketTiming !== undefined ? { timing: options.socketTiming } : {}),
    changed: () => log.changed(),
    onConnected: (connected) => emit({ kind: 'app', connected }),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  const app = new AppClient(ctx, source, signingSecret, responseUrls, socket);
  if (options.appUrl !== undefined) app.appUrl = options.appUrl;
  app.transport = options.transport ?? 'http';
  const routes = new SandboxRoutes({
    directory,
    messages,
    views,
    app,
    identity: { ...identity, defaultChannel: initial.channels[0]?.id ?? DEMO_CHANNEL.id },
  });
  sandbox = routes;

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const handled = (async () => {
      if (req.method === 'POST' && path.startsWith('/api/')) {
        const method = path.slice('/api/'.length);
        const apiDeps = { ctx, faults, log, botToken: options.botToken, logger: options.logger, socket };
        return handleApiCall(req, res, method, apiDeps);
      }
      if (req.method === 'POST' && path.startsWith('/response/')) {
        return responseUrls.handle(req, res, path.slice('/response/'.length));
      }
      if (req.method === 'GET' && path.startsWith('/archives/')) {
        res.writeHead(302, { location: '/' }).end();
        return;
      }
      if (!(await routes.handle(req, res, path))) res.writeHead(404).end('not found');
    })();
    handled.catch((error: unknown) => {
      options.logger?.error({ err: error, path }, 'slack sim request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(String(error));
    });
  });
  server.on('upgrade', (req, conn, head) => {
    if (!socket.handleUpgrade(req, conn, head)) conn.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  ctx.url = url;
  socket.setBaseUrl(url);

  return {
    url,
    apiUrl: `${url}/api/`,
    signingSecret,
    botToken: options.botToken ?? SIM_BOT_TOKEN,
    appToken: options.appToken ?? SIM_APP_TOKEN,
    get transport() {
      return app.transport;
    },
    setTransport: (transport) => {
      app.transport = transport;
    },
    socketMode: {
      connections: () => socket.connectionCount(),
      opened: () => socket.opened,
      envelopes: () => [...socket.sent],
      disconnect: (reason) => socket.disconnect(reason),
      drop: () => socket.drop(),
      revoke: (token) => socket.revoke(token),
      loseNextAcks: (n = 1) => {
        socket.loseNextAcks += n;
      },
      dropAfterNextDeliveries: (n = 1) => {
        socket.dropAfterNextDeliveries += n;
      },
    },
    ...identity,
    setAppUrl: (appUrl) => {
      app.appUrl = appUrl;
      emit({ kind: 'app', connected: true });
    },
    calls: (method) => log.all(method),
    waitForCall: (method, predicate, timeoutMs) => log.waitForCall(method, predicate, timeoutMs),
    waitUntil: (probe, timeoutMs) => log.waitUntil(probe, timeoutMs),
    messages: (channel) => messages.messages(channel),
    message: (channel, ts) => messages.get(channel, ts),
    thread: (channel, ts) => messages.thread(channel, ts),
    ephemerals: (user) => messages.ephemerals(user),
    views: (user, includeClosed) => views.forUser(user, includeClosed),
    responses: () => responseUrls.all(),
    injectFault: (method, fault, times, match) => faults.inject(method, fault, times, match),
    pendingFaults: (method) => faults.pending(method),
    setRateLimit: (method, perMinute) => faults.setRateLimit(method, perMinute),
    addUser: (user) => void directory.addUser(user),
    addChannel: (channel) => void directory.addChannel(channel),
    setUsergroup: (id, members) => directory.setUsergroup(id, members),
    reset: () => {
      for (const part of [directory, messages, views, faults, log, responseUrls]) part.reset();
      emit({ kind: 'reset' });
    },
    slashCommand: (input) => app.slashCommand(input),
    clickButton: (input) => app.blockAction(input),
    selectOption: (input) => app.blockAction(input),
    submitView: (input) => app.submitView(input),
    closeView: (input) => app.closeView(input),
    openAppHome: (userId, tab) => app.openAppHome({ userId, ...(tab !== undefined ? { tab } : {}) }),
    signedRequest: (body, signOptions) => app.signedRequest(body, signOptions),
    close: async () => {
      routes.closeAll();
      socket.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
