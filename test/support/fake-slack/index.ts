// Fake Slack for tests: a real HTTP + WebSocket server the Bolt app talks to, and a signed HTTP driver.
export {
  createSlackDriver,
  type DriverOptions,
  type DriverResponse,
  type SendOptions,
  type SlackDriver,
  signRequest,
} from './driver.js';
export { eventCallback, type MessageEventInput, messageEvent, urlVerification } from './events.js';
export type { Delivery, EventRetry, UserPost } from './events-out.js';
export { type Installation, installationOf, manifestInstallation } from './manifest.js';
export {
  type BlockActionInput,
  type BlockSuggestionInput,
  blockAction,
  blockSuggestion,
  type PayloadContext,
  type SlashCommandInput,
  slashCommand,
  stateValues,
  VERIFICATION_TOKEN,
  type ViewPayloadInput,
  viewClosed,
  viewSubmission,
} from './payloads.js';
export { EVENT_SCOPES, METHOD_SCOPES, type ScopeRule, WIDENING_SCOPES } from './scopes.js';
export { type FakeSlack, startFakeSlack } from './server.js';
export type { Envelope, EnvelopeType, FakeSocket, SocketAck, SocketSendOptions } from './socket.js';
export type * from './types.js';
