/** The store's record types live in the domain so services can use them without importing the store. */
export * from '../domain/records.js';
