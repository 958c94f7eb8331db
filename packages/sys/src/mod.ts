// @udsipc/sys: the few Linux system calls udsipc needs and Node has no API for, through the koffi
// FFI: who is at the other end of a stream connection, what a descriptor handed over by systemd
// is, and putting that descriptor where a socket library that makes its own (unix-dgram) polls.

export { adoptDescriptor } from './adopt-descriptor.js';
export { closeDescriptor, openBoundSocket, SystemCallError } from './bound-socket.js';
export { describeSocket, type SocketDescription } from './describe-socket.js';
export { duplicateDescriptor } from './duplicate-descriptor.js';
export { FFI_UNAVAILABLE } from './libc.js';
export { type PeerCredentials, peerCredentials } from './peer-credentials.js';
export { raiseSendBuffer, type SendBuffer } from './send-buffer.js';
export { SendOnlyDescriptor } from './send-only.js';
