// linkemu: a point-to-point link between two network namespaces, emulated in user space, for kernels without
// the netem qdisc. It creates one TUN device in each namespace and forwards the IP packets each side sends to
// the other, per direction through a bounded FIFO queue, a serialiser at a set rate and a fixed one-way delay:
//
//   arrival at the link:  start = max(now, when the previous packet finished serialising)
//                         dropped (tail drop) if the bytes still waiting to serialise + this packet > QUEUE
//   finished serialising: start + bytes * 8 / RATE
//   delivered:            finished + DELAY (written to the other TUN device then, not earlier)
//
//   linkemu NS_A DEV_A NS_B DEV_B RATE_BIT_S DELAY_US QUEUE_BYTES
//
// NS_A and NS_B are names under /run/netns (`ip netns add`). It prints "ready" on stdout once both devices
// exist (the caller then gives them addresses and sets them up), and then answers commands read from stdin:
//   "c"                          print the counters (one line, below)
//   "p RATE_BIT_S DELAY_US QUEUE_BYTES"   new link parameters (packets already queued keep their times)
// and exits 0 at end of file on stdin. Counters, since start, per direction a->b then b->a:
//   packets bytes dropped_packets   (bytes are IP packet lengths, headers included)
// then, over both directions, the packets delivered late (after their due time): the largest and the total
// lateness in microseconds, which shows how far the emulator itself (scheduling on a busy machine) strayed
// from the model. It asks for SCHED_FIFO and a 1 µs timer slack and carries on without them if refused.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048  // TUN MTU 1500; anything longer is dropped and counted
#define RING_SLOTS 8192  // per direction: 16 MiB, more than any queue plus the packets in flight here
#define READ_BATCH 64    // packets read from one device before the due ones are delivered again

struct packet {
  uint64_t due_ns;
  uint32_t length;
  unsigned char data[SLOT_BYTES];
};

struct direction {
  int from, to;        // TUN descriptors: packets read from `from` are written to `to`
  uint64_t free_ns;    // when the serialiser finishes the last accepted packet
  struct packet *ring;
  size_t head, count;
  uint64_t packets, bytes, dropped;
};

static uint64_t rate_bit_s, delay_ns, queue_bytes;
static uint64_t late_max_ns, late_total_ns;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what, const char *name) {
  fprintf(stderr, "linkemu: %s %s: %s\n", what, name, strerror(errno));
  exit(1);
}

// Creates TUN device `dev` (IP packets, no packet-information header) inside namespace `ns`.
static int open_tun(const char *ns, const char *dev) {
  char path[256];
  snprintf(path, sizeof path, "/run/netns/%s", ns);
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) die("cannot open namespace", path);
  if (setns(nsfd, CLONE_NEWNET) != 0) die("cannot enter namespace", path);
  close(nsfd);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("cannot open", "/dev/net/tun");
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (strlen(dev) >= IFNAMSIZ) {
    errno = ENAMETOOLONG;
    die("bad device name", dev);
  }
  strcpy(request.ifr_name, dev);
  if (ioctl(fd, TUNSETIFF, &request) != 0) die("cannot create TUN device", dev);
  return fd;
}

static int parse_parameters(const char *rate, const char *delay_us, const char *queue) {
  char *end1, *end2, *end3;
  unsigned long long r = strtoull(rate, &end1, 10), d = strtoull(delay_us, &end2, 10),
                     q = strtoull(queue, &end3, 10);
  if (*end1 || *end2 || *end3 || r == 0 || q < SLOT_BYTES) return -1;
  rate_bit_s = r;
  delay_ns = d * 1000u;
  queue_bytes = q;
  return 0;
}

// Accepts or drops one packet read at `now`.
static void enqueue(struct direction *d, const unsigned char *data, size_t length, uint64_t now) {
  uint64_t start = d->free_ns > now ? d->free_ns : now;
  uint64_t waiting = (start - now) * rate_bit_s / 8 / 1000000000u;  // bytes not yet serialised
  if (length > SLOT_BYTES || d->count == RING_SLOTS || waiting + length > queue_bytes) {
    d->dropped++;
    return;
  }
  d->free_ns = start + (uint64_t)length * 8 * 1000000000u / rate_bit_s;
  struct packet *p = &d->ring[(d->head + d->count) % RING_SLOTS];
  p->due_ns = d->free_ns + delay_ns;
  p->length = (uint32_t)length;
  memcpy(p->data, data, length);
  d->count++;
}

static void deliver_due(struct direction *d, uint64_t now) {
  while (d->count > 0 && d->ring[d->head].due_ns <= now) {
    struct packet *p = &d->ring[d->head];
    uint64_t late = now - p->due_ns;
    if (late > late_max_ns) late_max_ns = late;
    late_total_ns += late;
    // A TUN write takes the whole packet or fails (the receiving stack is full): count that as a drop.
    if (write(d->to, p->data, p->length) == (ssize_t)p->length) {
      d->packets++;
      d->bytes += p->length;
    } else {
      d->dropped++;
    }
    d->head = (d->head + 1) % RING_SLOTS;
    d->count--;
  }
}

static void receive(struct direction *d) {
  unsigned char buffer[65536];
  for (int i = 0; i < READ_BATCH; i++) {
    ssize_t n = read(d->from, buffer, sizeof buffer);
    if (n <= 0) return;
    enqueue(d, buffer, (size_t)n, now_ns());
  }
}

static void command(const char *line, struct direction *ab, struct direction *ba) {
  char rate[32], delay[32], queue[32];
  if (line[0] == 'c') {
    printf("%llu %llu %llu %llu %llu %llu %llu %llu\n", (unsigned long long)ab->packets,
           (unsigned long long)ab->bytes, (unsigned long long)ab->dropped, (unsigned long long)ba->packets,
           (unsigned long long)ba->bytes, (unsigned long long)ba->dropped,
           (unsigned long long)(late_max_ns / 1000), (unsigned long long)(late_total_ns / 1000));
  } else if (sscanf(line, "p %31s %31s %31s", rate, delay, queue) == 3 &&
             parse_parameters(rate, delay, queue) == 0) {
    printf("ok\n");
  } else {
    printf("error: unknown command: %s\n", line);
  }
  fflush(stdout);
}

// Reads what stdin has and runs every complete line; returns 0 at end of input.
static int commands(struct direction *ab, struct direction *ba) {
  static char pending[1024];
  static size_t used;
  ssize_t n = read(0, pending + used, sizeof pending - 1 - used);
  if (n <= 0) return n < 0 && errno == EINTR;
  used += (size_t)n;
  pending[used] = 0;
  char *line = pending, *end;
  while ((end = strchr(line, '\n'))) {
    *end = 0;
    command(line, ab, ba);
    line = end + 1;
  }
  used -= (size_t)(line - pending);
  memmove(pending, line, used);
  if (used == sizeof pending - 1) used = 0;  // a line too long for the buffer: dropped
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 8 || parse_parameters(argv[5], argv[6], argv[7]) != 0) {
    fprintf(stderr, "usage: linkemu NS_A DEV_A NS_B DEV_B RATE_BIT_S DELAY_US QUEUE_BYTES (queue >= %d)\n",
            SLOT_BYTES);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int a = open_tun(argv[1], argv[2]);
  int b = open_tun(argv[3], argv[4]);
  struct direction ab = {.from = a, .to = b}, ba = {.from = b, .to = a};
  ab.ring = malloc(sizeof(struct packet) * RING_SLOTS);
  ba.ring = malloc(sizeof(struct packet) * RING_SLOTS);
  if (!ab.ring || !ba.ring) die("out of memory for", "the queues");
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  struct sched_param priority = {.sched_priority = 10};
  if (sched_setscheduler(0, SCHED_FIFO, &priority) != 0) {
    fprintf(stderr, "linkemu: no SCHED_FIFO (%s): delays will be less exact\n", strerror(errno));
  }
  printf("ready\n");
  fflush(stdout);

  for (;;) {
    uint64_t now = now_ns();
    deliver_due(&ab, now);
    deliver_due(&ba, now);
    struct pollfd fds[3] = {
        {.fd = 0, .events = POLLIN},
        {.fd = a, .events = ab.count < RING_SLOTS ? POLLIN : 0},
        {.fd = b, .events = ba.count < RING_SLOTS ? POLLIN : 0},
    };
    uint64_t next = UINT64_MAX;
    if (ab.count) next = ab.ring[ab.head].due_ns;
    if (ba.count && ba.ring[ba.head].due_ns < next) next = ba.ring[ba.head].due_ns;
    struct timespec timeout, *wait = NULL;
    if (next != UINT64_MAX) {
      uint64_t left = next > now ? next - now : 0;
      timeout.tv_sec = (time_t)(left / 1000000000u);
      timeout.tv_nsec = (long)(left % 1000000000u);
      wait = &timeout;
    }
    if (ppoll(fds, 3, wait, NULL) < 0) {
      if (errno == EINTR) continue;
      die("poll failed on", "the TUN devices");
    }
    if (fds[1].revents & POLLIN) receive(&ab);
    if (fds[2].revents & POLLIN) receive(&ba);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      if (!commands(&ab, &ba)) return 0;
    }
  }
}
