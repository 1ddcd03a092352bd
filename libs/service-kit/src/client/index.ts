export {
  BusClient,
  busErrorFromNats,
  checkTokenShape,
  IDEMPOTENT_SUBJECTS,
  NON_IDEMPOTENT_SUBJECTS,
  type BusClientOptions,
  type RequestOptions,
  type EventPublishOptions,
  type RawReply,
  type RetryInfo,
} from './bus-client';
