/** The Slack adapters, loaded together by `rollbot serve` only. */
export { createSlackApp } from './app.js';
export { createDirectory } from './directory.js';
export { createHomeQuery } from './home-data.js';
export { watchIncidentChannel } from './incident-channel.js';
export { listenerDeps } from './listener-deps.js';
export { createOutboxWorker } from './outbox-worker.js';
export { createPresenter } from './presenter.js';
export { createSlackSurface } from './surface.js';
export { createSlackWebApi } from './web-api.js';
