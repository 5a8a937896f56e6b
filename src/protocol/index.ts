// The wire protocol: message types, encoding, validation, versions (the one place that knows the bytes).
export { MessageType, PROTOCOL_VERSION, headerSchema, type Header, type HeaderOf, type OutgoingHeader, type TensorSpec } from './messages.js';
export { allFinite, encode, decode, isError, peekHeader, type Message, type WireTensor } from './codec.js';
export { ErrorCode } from './messages.js';
export { SendQueue } from './channel.js';
