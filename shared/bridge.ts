import { z } from 'zod';
import { connectionChangeSchema } from './sdk-signals.js';

/**
 * The runner↔page bridge. The runner hands parameters to the page with `page.mainFrame().evaluate`
 * into the page's closure (never the URL, `exposeFunction` arguments or `evaluateOnNewDocument`, which
 * reach cross-origin iframes too); the page reports through one exposed function, `REPORT_FUNCTION`.
 * The runner validates every report with `pageMessageSchema` and ignores what does not parse.
 */

/** Name of the function the runner exposes to the page. */
export const REPORT_FUNCTION = 'zbrReport';
/** Name of the object the page puts on `window` for the runner to call. */
export const PAGE_API = 'zbrBot';

/** Not secret: where the SDK's assets and Zoom (or zoom-sim) are. */
export const pageInitOptionsSchema = z.strictObject({
  assetPath: z.string().min(1),
  /** Real SDK: a host such as `zoom.us`. Sim build: the sim's `host:port` or origin. */
  webEndpoint: z.string().min(1).optional(),
  language: z.string().default('en-US'),
});
export type PageInitOptions = z.input<typeof pageInitOptionsSchema>;

/** Secret: signature, tokens and passcode live only inside the page's closure and the SDK. */
export const pageJoinParamsSchema = z.strictObject({
  meetingNumber: z.string(),
  signature: z.string(),
  userName: z.string(),
  password: z.string().optional(),
  zak: z.string().optional(),
  obfToken: z.string().optional(),
  tk: z.string().optional(),
  userEmail: z.string().optional(),
  /** The bot id: Zoom shows it in participant reports. */
  customerKey: z.string().max(36),
});
export type PageJoinParams = z.infer<typeof pageJoinParamsSchema>;

export const pageParticipantSchema = z.object({
  userId: z.number(),
  userName: z.string(),
  isHost: z.boolean().optional(),
  isHold: z.boolean().optional(),
  customerKey: z.string().optional(),
});
export type PageParticipant = z.infer<typeof pageParticipantSchema>;

const failure = { errorCode: z.number().int().optional(), reason: z.string().max(1024).optional() };

export const pageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), sdk: z.enum(['zoom', 'sim']), crossOriginIsolated: z.boolean() }),
  z.object({ type: z.literal('init-result'), ok: z.boolean(), ...failure }),
  z.object({
    type: z.literal('join-result'),
    ok: z.boolean(),
    errorType: z.string().max(64).optional(),
    ...failure,
  }),
  z.object({ type: z.literal('connection-change'), change: connectionChangeSchema }),
  z.object({
    type: z.enum(['user-added', 'user-removed', 'user-updated']),
    users: z.array(pageParticipantSchema).max(1000),
    /** `getCurrentUser()` after the change: the runner reads `isHold` from it. */
    self: pageParticipantSchema.nullable(),
  }),
  z.object({ type: z.literal('leave-result'), ok: z.boolean(), ...failure }),
  z.object({ type: z.literal('page-error'), message: z.string().max(2048) }),
]);
export type PageMessage = z.infer<typeof pageMessageSchema>;

/** The page's globals, as both sides see them. */
export interface PageApi {
  init(options: PageInitOptions): Promise<void>;
  join(params: PageJoinParams): Promise<void>;
  leave(): Promise<void>;
}

declare global {
  interface Window {
    /** Exposed by the runner (Puppeteer `exposeFunction`): the page's only way to report. */
    zbrReport?: (message: PageMessage) => Promise<void>;
    /** Set by the page: what the runner calls with `page.mainFrame().evaluate`. */
    zbrBot?: PageApi;
  }
}
