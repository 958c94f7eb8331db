// Linux constants (<sys/socket.h>, <fcntl.h>, <sys/un.h>), the same on x86_64 and aarch64.
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_TYPE = 3;
export const SO_SNDBUF = 7;
/** SO_SNDBUF past net.core.wmem_max; needs CAP_NET_ADMIN. */
export const SO_SNDBUFFORCE = 32;
export const SO_PEERCRED = 17;
export const SO_ACCEPTCONN = 30;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const F_GETFL = 3;
export const F_SETFL = 4;
/** struct sockaddr_un: sa_family_t (2 bytes) then sun_path[108]. */
export const SUN_PATH_OFFSET = 2;
export const SOCKADDR_UN_BYTES = 110;
export const F_DUPFD_CLOEXEC = 1030;
export const MSG_DONTWAIT = 0x40;
