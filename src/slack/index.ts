/** The Slack adapters, loaded together by `rollbot serve` only. */
export { createBoltApp } from './app.js';
export { createDirectory } from './directory.js';
export { listenerDeps } from './listener-deps.js';
export { createViewOpener } from './open-view.js';
export { createOutboxWorker } from './outbox-worker.js';
export { createPresenter } from './presenter.js';
export { createSlackSurface } from './surface.js';

/** Every Web API call gives up after this long: one that never answers must not hold anything up. */
export const WEB_API_TIMEOUT_MS = 10_000;
