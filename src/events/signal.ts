import { EventEmitter } from 'node:events';

/**
 * Rung when a transaction wrote outbox rows ('written', with the lanes written to). Delivery workers listen and poll at once
 * instead of waiting for their timer; a worker of another portal in the same process only makes
 * one spare poll. Its query waits for the writing transaction, so it sees committed rows only.
 */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);
