/*
 * pingpong: the C baseline of `pnpm bench`, server and client in one binary.
 *
 *   pingpong server stream|dgram SOCKET
 *       Echo server. Prints "ready" once bound. Stream: accepts one connection at a time and
 *       writes back every byte it reads. Datagram: answers each datagram to its sender with
 *       sendto(), blocking while the sender's queue is full (so nothing is dropped).
 *
 *   pingpong client stream|dgram SOCKET REPLY_PATH SIZE WINDOW:COUNT:MS:MIN:CAP[,...]
 *       Closed-loop client: WINDOW messages of SIZE bytes in flight, the next one issued as soon
 *       as one completes, until COUNT were issued, or MS milliseconds passed with at least MIN
 *       messages measured, or CAP milliseconds passed (the rule of bench/src/phase-end.ts). Phases
 *       run in order on one connection. The first min(1000, COUNT/10) messages of a phase are a
 *       warm-up, left out of its figures. Prints one JSON array, one object per phase (with the
 *       process's CPU ticks at the phase's end, as bench/src/cpu-ticks.ts reads them). REPLY_PATH
 *       is the datagram client's own bound path (ignored, but required, for stream).
 *
 * A message is SIZE bytes of 'x'. Stream replies are matched by byte count (the server echoes in
 * order), datagram replies one per datagram. Latency is from the first write of a message to the
 * arrival of its last reply byte. Plain poll(2) loop, non-blocking sockets, no threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define IO_CHUNK (256 * 1024)
#define MAX_DGRAM (64 * 1024)
#define DRAIN_TIMEOUT_NS (5LL * 1000000000LL)

static unsigned char io_buffer[IO_CHUNK];

static void die(const char *what) {
  fprintf(stderr, "pingpong: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct sockaddr_un address_of(const char *path) {
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof address.sun_path) {
    fprintf(stderr, "pingpong: socket path too long: %s\n", path);
    exit(2);
  }
  strcpy(address.sun_path, path);
  return address;
}

static void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl");
}

/* ---------------------------------------------------------------- server */

static void serve_stream(const char *path) {
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  struct sockaddr_un address = address_of(path);
  unlink(path);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
  if (listen(listener, 64) < 0) die("listen");
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int connection = accept(listener, NULL, NULL);
    if (connection < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    for (;;) {
      ssize_t got = read(connection, io_buffer, sizeof io_buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      ssize_t done = 0;
      while (done < got) {
        ssize_t put = write(connection, io_buffer + done, (size_t)(got - done));
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) break;
        done += put;
      }
      if (done < got) break;
    }
    close(connection);
  }
}

static void serve_dgram(const char *path) {
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_un address = address_of(path);
  unlink(path);
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof peer;
    ssize_t got = recvfrom(fd, io_buffer, sizeof io_buffer, 0, (struct sockaddr *)&peer, &peer_length);
    if (got < 0) {
      if (errno == EINTR) continue;
      die("recvfrom");
    }
    if (peer_length <= sizeof(sa_family_t)) continue; /* unbound sender: cannot answer */
    while (sendto(fd, io_buffer, (size_t)got, 0, (struct sockaddr *)&peer, peer_length) < 0) {
      if (errno == EINTR) continue;
      break; /* the peer is gone: nothing to do */
    }
  }
}

/* ---------------------------------------------------------------- client */

struct phase {
  long window;
  long count;
  long max_ms;
  long min_measured;
  long cap_ms;
};

struct phase_result {
  long issued;
  long completed;
  long warmup;
  long measured;
  double duration_ms;
  double msgs_per_sec;
  double p50_us, p99_us, p999_us;
  long long cpu_ticks;
};

/*
 * utime + stime of this process in clock ticks, from /proc/self/stat (fields 14 and 15, counted
 * after the parenthesised command name), as the Node clients read theirs; -1 if unreadable.
 */
static long long cpu_ticks(void) {
  char stat[1024];
  FILE *file = fopen("/proc/self/stat", "r");
  if (!file) return -1;
  size_t got = fread(stat, 1, sizeof stat - 1, file);
  fclose(file);
  stat[got] = '\0';
  char *cursor = strrchr(stat, ')');
  if (!cursor) return -1;
  unsigned long long utime, stime;
  /* After ") ": state, then fields 4..13, then utime and stime. */
  if (sscanf(cursor + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (long long)(utime + stime);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p% of the samples at or below it. */
static double nearest_rank(const double *sorted, long n, double p) {
  if (n <= 0) return 0;
  long rank = (long)((p / 100.0) * (double)n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static long warmup_of(long count) {
  long tenth = count / 10;
  return tenth < 1000 ? tenth : 1000;
}

/*
 * One phase on a connected, non-blocking socket. Stream: `unsent` bytes of issued messages wait
 * to be written, replies are counted in bytes. Datagram: one send per message, one reply each.
 */
static struct phase_result run_phase(int fd, int is_stream, long size, struct phase phase) {
  struct phase_result result;
  memset(&result, 0, sizeof result);
  int64_t *started = calloc((size_t)phase.count, sizeof *started);
  double *latency_us = calloc((size_t)phase.count, sizeof *latency_us);
  if (!started || !latency_us) die("calloc");
  long warmup = warmup_of(phase.count);
  long issued = 0, completed = 0, sent = 0, samples = 0;
  long long unsent_bytes = 0, received_bytes = 0;
  int64_t phase_start = now_ns();
  int64_t deadline = phase_start + (int64_t)phase.max_ms * 1000000LL;
  int64_t cap = phase_start + (int64_t)phase.cap_ms * 1000000LL;
  int64_t measure_start = 0, measure_end = 0, drain_deadline = 0;
  int stopped = 0;

  for (;;) {
    int64_t now = now_ns();
    /* Issue while the window has room. */
    while (!stopped && issued - completed < phase.window) {
      int time_is_up = now > deadline && (samples >= phase.min_measured || now > cap);
      if (issued >= phase.count || time_is_up) {
        stopped = 1;
        drain_deadline = now + DRAIN_TIMEOUT_NS;
        break;
      }
      started[issued] = now;
      if (issued == warmup) measure_start = now;
      issued++;
      if (is_stream) unsent_bytes += size;
    }
    if (completed >= issued && stopped) break;
    if (stopped && now > drain_deadline) {
      fprintf(stderr, "pingpong: %ld replies never came\n", issued - completed);
      break;
    }
    /* Write what is waiting. */
    int want_write = is_stream ? unsent_bytes > 0 : sent < issued;
    while (want_write) {
      if (is_stream) {
        size_t chunk = unsent_bytes < IO_CHUNK ? (size_t)unsent_bytes : IO_CHUNK;
        ssize_t put = send(fd, io_buffer, chunk, MSG_NOSIGNAL);
        if (put < 0) {
          if (errno == EAGAIN || errno == EINTR) break;
          die("send");
        }
        unsent_bytes -= put;
        want_write = unsent_bytes > 0;
      } else {
        ssize_t put = send(fd, io_buffer, (size_t)size, MSG_NOSIGNAL);
        if (put < 0) {
          if (errno == EAGAIN || errno == EINTR) break;
          die("send");
        }
        sent++;
        want_write = sent < issued;
      }
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN | (want_write ? POLLOUT : 0), .revents = 0};
    if (poll(&pfd, 1, 100) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP))) continue;
    /* Read every reply there is. */
    for (;;) {
      ssize_t got = recv(fd, io_buffer, is_stream ? sizeof io_buffer : MAX_DGRAM, 0);
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        die("recv");
      }
      if (got == 0 && is_stream) {
        fprintf(stderr, "pingpong: server closed the connection\n");
        exit(1);
      }
      long newly;
      if (is_stream) {
        received_bytes += got;
        newly = (long)(received_bytes / size) - completed;
      } else {
        newly = 1;
      }
      if (newly > 0) {
        int64_t arrived = now_ns();
        for (long i = 0; i < newly; i++) {
          long index = completed + i;
          if (index >= warmup) {
            latency_us[samples++] = (double)(arrived - started[index]) / 1000.0;
            measure_end = arrived;
          }
        }
        completed += newly;
      }
      if (completed >= issued) break;
    }
  }
  /* Read before the sort: that is the bench's own work, not the transport's. */
  result.cpu_ticks = cpu_ticks();
  qsort(latency_us, (size_t)samples, sizeof *latency_us, compare_doubles);
  result.issued = issued;
  result.completed = completed;
  result.warmup = warmup < completed ? warmup : completed;
  result.measured = samples;
  double duration_ns = measure_end > measure_start ? (double)(measure_end - measure_start) : 0;
  result.duration_ms = duration_ns / 1e6;
  result.msgs_per_sec = duration_ns > 0 ? (double)samples * 1e9 / duration_ns : 0;
  result.p50_us = nearest_rank(latency_us, samples, 50);
  result.p99_us = nearest_rank(latency_us, samples, 99);
  result.p999_us = nearest_rank(latency_us, samples, 99.9);
  free(started);
  free(latency_us);
  return result;
}

static int parse_phases(const char *text, struct phase *phases, int max) {
  int n = 0;
  const char *cursor = text;
  while (*cursor && n < max) {
    char *end;
    phases[n].window = strtol(cursor, &end, 10);
    if (*end != ':') return -1;
    phases[n].count = strtol(end + 1, &end, 10);
    if (*end != ':') return -1;
    phases[n].max_ms = strtol(end + 1, &end, 10);
    if (*end != ':') return -1;
    phases[n].min_measured = strtol(end + 1, &end, 10);
    if (*end != ':') return -1;
    phases[n].cap_ms = strtol(end + 1, &end, 10);
    if (phases[n].window < 1 || phases[n].count < 1 || phases[n].max_ms < 1 || phases[n].min_measured < 0 ||
        phases[n].cap_ms < phases[n].max_ms)
      return -1;
    n++;
    if (*end == ',') end++;
    else if (*end != '\0') return -1;
    cursor = end;
  }
  return n;
}

static void run_client(int is_stream, const char *path, const char *reply_path, long size, const char *plan) {
  struct phase phases[8];
  int phase_count = parse_phases(plan, phases, 8);
  if (phase_count <= 0) {
    fprintf(stderr, "pingpong: bad phases \"%s\" (want WINDOW:COUNT:MS:MIN:CAP[,...])\n", plan);
    exit(2);
  }
  if (size < 1 || (!is_stream && size > MAX_DGRAM) || (is_stream && size > 64L * 1024 * 1024)) {
    fprintf(stderr, "pingpong: bad size %ld\n", size);
    exit(2);
  }
  memset(io_buffer, 'x', sizeof io_buffer);
  int fd = socket(AF_UNIX, is_stream ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  if (!is_stream) {
    struct sockaddr_un own = address_of(reply_path);
    unlink(reply_path);
    if (bind(fd, (struct sockaddr *)&own, sizeof own) < 0) die("bind reply path");
  }
  struct sockaddr_un server = address_of(path);
  if (connect(fd, (struct sockaddr *)&server, sizeof server) < 0) die("connect");
  set_nonblocking(fd);

  printf("[");
  for (int i = 0; i < phase_count; i++) {
    struct phase_result r = run_phase(fd, is_stream, size, phases[i]);
    printf("%s{\"window\":%ld,\"count\":%ld,\"errors\":%ld,\"warmup\":%ld,\"measured\":%ld,"
           "\"durationMs\":%.3f,\"msgsPerSec\":%.1f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":%.1f",
           i ? "," : "", phases[i].window, r.completed, r.issued - r.completed, r.warmup, r.measured,
           r.duration_ms, r.msgs_per_sec, r.p50_us, r.p99_us, r.p999_us);
    if (r.cpu_ticks >= 0) printf(",\"cpuTicks\":%lld", r.cpu_ticks);
    printf("}");
  }
  printf("]\n");
  fflush(stdout);
  close(fd);
  if (!is_stream) unlink(reply_path);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 4 && strcmp(argv[1], "server") == 0) {
    int is_stream = strcmp(argv[2], "stream") == 0;
    if (!is_stream && strcmp(argv[2], "dgram") != 0) goto usage;
    if (is_stream) serve_stream(argv[3]);
    else serve_dgram(argv[3]);
    return 0;
  }
  if (argc == 7 && strcmp(argv[1], "client") == 0) {
    int is_stream = strcmp(argv[2], "stream") == 0;
    if (!is_stream && strcmp(argv[2], "dgram") != 0) goto usage;
    run_client(is_stream, argv[3], argv[4], strtol(argv[5], NULL, 10), argv[6]);
    return 0;
  }
usage:
  fprintf(stderr,
          "usage: pingpong server stream|dgram SOCKET\n"
          "       pingpong client stream|dgram SOCKET REPLY_PATH SIZE WINDOW:COUNT:MS[,...]\n");
  return 2;
}
