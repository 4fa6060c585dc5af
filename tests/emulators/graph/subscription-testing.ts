/**
 * Test harness for subscriptions: the Graph sandbox (identity + Graph emulators), a webhook receiver with
 * the sandbox certificate, the real Microsoft Graph JS client (through the app's own factory, with tokens
 * from msal-node), and short delivery timings so that retries and timeouts run in milliseconds.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { createGraphClient } from '../../../shared/graph/graph-client';
import { createTokenProvider } from '../../../shared/identity/token-provider';
import { ensureSandboxCertificate } from '../common/tls';
import { SubscriptionControls } from './subscription-controls-client';
import { NotificationReceiver } from './subscription-receiver';
import type { SubscriptionSettings } from './subscription-settings';
import { startGraphSandbox, type AppName, type GraphSandbox } from './testing';

export interface SubscriptionSandbox {
  sb: GraphSandbox;
  receiver: NotificationReceiver;
  controls: SubscriptionControls;
  /** The Graph JS client for an app (cached). */
  client(app?: AppName): Client;
  /** A valid subscription body for a mailbox's events (overrides merged in). */
  body(overrides?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/** Fast timings for tests; the defaults (10 s handshake, 3 s delivery, 1 s first retry) are Graph's. */
export const FAST: Partial<SubscriptionSettings> = {
  validationTimeoutMs: 2_000,
  deliveryTimeoutMs: 500,
  batchWindowMs: 20,
  retryInitialDelayMs: 50,
  retryMaxDelayMs: 200,
  retryWindowMs: 5_000,
};

export async function startSubscriptionSandbox(settings: Partial<SubscriptionSettings> = FAST): Promise<SubscriptionSandbox> {
  const sb = await startGraphSandbox();
  sb.graph.subscriptions.configure(settings);
  const receiver = await NotificationReceiver.start(ensureSandboxCertificate());
  const clients = new Map<AppName, Client>();
  const client = (app: AppName = 'sync'): Client => {
    let c = clients.get(app);
    if (!c) {
      const { clientId, clientSecret } = sb.seed.clients[app];
      c = createGraphClient({ graphBaseUrl: sb.v1, tokens: createTokenProvider({ authority: sb.authority, clientId, clientSecret }) });
      clients.set(app, c);
    }
    return c;
  };
  const user = sb.seed.users[0]!;
  return {
    sb,
    receiver,
    controls: new SubscriptionControls(sb.baseUrl),
    client,
    body: (overrides = {}) => ({
      changeType: 'created,updated,deleted',
      notificationUrl: receiver.url('/notify'),
      lifecycleNotificationUrl: receiver.url('/lifecycle'),
      resource: `/users/${user.entraObjectId}/events`,
      expirationDateTime: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      clientState: 'sandbox-client-state',
      ...overrides,
    }),
    close: async () => {
      await receiver.close();
      await sb.close();
    },
  };
}

/** A timed event body the events API accepts. */
export function eventBody(subject: string): Record<string, unknown> {
  return {
    subject,
    start: { dateTime: '2030-05-01T10:00:00', timeZone: 'UTC' },
    end: { dateTime: '2030-05-01T11:00:00', timeZone: 'UTC' },
  };
}
