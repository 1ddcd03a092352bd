export {
  BusClient,
  busErrorFromNats,
  IDEMPOTENT_SUBJECTS,
  type BusClientOptions,
  type RequestOptions,
  type PublishOptions,
  type RawReply,
  type RetryInfo,
} from './bus-client';
export { tokenHash } from './token-hash';
