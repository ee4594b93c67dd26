/**
 * @module
 * The `send` part: the log client (widget/log-client.ts), which posts the
 * outbox to the log, retries, keeps the receipt and sends the texts the log
 * asks for. Loaded after a choice, or at start-up when an earlier page left
 * events in the outbox; a returning visitor with an empty outbox never loads it.
 */
import { type CreateLogClient, createLogClient } from "../log-client.ts";

export default createLogClient satisfies CreateLogClient;
