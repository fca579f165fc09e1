/** Shell quoting lives in the domain (the secret masker needs it too); re-exported for templating. */
export { refusedCharacter, shellQuote } from '../domain/quote.js';
