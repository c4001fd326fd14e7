/** The stock-changes LISTEN connection is the shared messaging PgListener under its old names. */
export { PgListener as StockChangeListener, type PgListenerHandlers as StockChangeHandlers } from '@retail-backbone/messaging';
