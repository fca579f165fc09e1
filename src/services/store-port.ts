/** The store as the use cases see it; each use case takes only the methods it calls (`Pick<Store, …>`). */
export type { Store, WakeChannel } from '../store/store.js';
