export { BusClient, busErrorFromNats, type RequestOptions, type PublishOptions, type RawReply } from './bus-client';
export { tokenHash } from './token-hash';
