/*
 * The two helpers of keycycle-bench/streams.sh, in C, so that on a small machine they leave the
 * cores to the gateway under test: the JVM helpers (PacedUpstream, StreamLoad) need about 76 µs of
 * CPU per chunk between them, 1.5 of two cores at 1,000 streams x 20 chunks/s.
 *
 *   paced upstream [--chunks 100] [--interval-ms 50]
 *       An OpenAI-compatible upstream on 127.0.0.1 (port printed as "UPSTREAM <port>") that answers
 *       every POST .../chat/completions with a chunked text/event-stream: --chunks content chunks
 *       --interval-ms apart (the first at once), then a usage chunk and [DONE]. Each content chunk
 *       carries "t", the CLOCK_MONOTONIC nanoseconds at which it was written: the clock of Java's
 *       System.nanoTime on Linux, one clock for every process of the machine.
 *
 *   paced load --url http://127.0.0.1:PORT/v1/chat/completions --name NAME
 *              [--streams 1000] [--seconds 30] [--warmup 5] [--model race/static-model] [--dump FILE]
 *       Keeps --streams chat streams open (a stream that ends is followed by the next on the same
 *       connection; openings are spread over the first second), reads every event and records each
 *       chunk's travel time (now - "t") from --warmup s on for --seconds s. Prints one line:
 *       RESULT NAME streams= seconds= opened= completed= failed= chunks= chunks/s= latency_ms p50= p90= p99= p99.9= max=
 *       (the format of io.keycycle.bench.StreamLoad). --dump writes every recorded chunk as a line
 *       "<ms after the recording began> <travel time in µs>", in arrival order, after a first line
 *       "# recording began at <ms> ms of CLOCK_MONOTONIC".
 *
 * One thread, epoll, non-blocking sockets, TCP_NODELAY. Build: cc -O2 -o paced paced.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "paced: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void nodelay_nonblock(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A growable byte buffer. */
typedef struct { char *p; size_t len, cap; } buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->len + n) c *= 2;
        b->p = realloc(b->p, c);
        if (!b->p) die("out of memory");
        b->cap = c;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_drop(buf_t *b, size_t n) {
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static int epfd;

static void ep(int op, int fd, uint32_t events, void *ptr) {
    struct epoll_event e = {.events = events, .data.ptr = ptr};
    if (epoll_ctl(epfd, op, fd, &e) < 0 && op != EPOLL_CTL_DEL) die("epoll_ctl: %s", strerror(errno));
}

static int timer_every_ms(void) {
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = {.it_interval = {0, 1000000}, .it_value = {0, 1000000}};
    timerfd_settime(t, 0, &its, NULL);
    return t;
}

static void raise_fd_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

/* ------------------------------------------------------------------ upstream */

typedef struct up_conn {
    int fd;
    int streaming;     /* answering a request: chunks left to send */
    int sent;
    int closed;
    int in_wheel;
    int64_t due_ms;
    struct up_conn *next; /* in its wheel slot */
    buf_t in, out;
} up_conn;

static int chunks_per_stream = 100;
static int64_t interval_ms = 50;
static up_conn **wheel;
static int64_t wheel_mask;

static void up_free(up_conn *c) {
    free(c->in.p);
    free(c->out.p);
    free(c);
}

/* Closed connections not in the wheel, freed after the events at hand (one may still name them). */
static up_conn *graveyard;

static void up_close(up_conn *c) {
    if (c->closed) return;
    c->closed = 1;
    ep(EPOLL_CTL_DEL, c->fd, 0, NULL);
    close(c->fd);
    if (!c->in_wheel) { /* else the wheel frees it when its slot comes */
        c->next = graveyard;
        graveyard = c;
    }
}

/* Writes what waits in out, then s; what the socket does not take waits for EPOLLOUT. */
static void up_send(up_conn *c, const char *s, size_t n) {
    if (c->out.len == 0) {
        ssize_t w = write(c->fd, s, n);
        if (w < 0 && errno != EAGAIN) { up_close(c); return; }
        if (w < 0) w = 0;
        if ((size_t) w == n) return;
        s += w;
        n -= w;
        buf_add(&c->out, s, n);
        ep(EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLOUT, c);
        return;
    }
    buf_add(&c->out, s, n);
}

static void up_flush(up_conn *c) {
    while (c->out.len > 0) {
        ssize_t w = write(c->fd, c->out.p, c->out.len);
        if (w < 0) {
            if (errno != EAGAIN) up_close(c);
            return;
        }
        buf_drop(&c->out, (size_t) w);
    }
    ep(EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
}

static void wheel_put(up_conn *c) {
    up_conn **slot = &wheel[c->due_ms & wheel_mask];
    c->next = *slot;
    *slot = c;
    c->in_wheel = 1;
}

static const char CHUNK_PREFIX[] = "data: {\"id\":\"chatcmpl-paced\",\"object\":\"chat.completion.chunk\",\"t\":";
static const char CHUNK_SUFFIX[] = ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n";

/* One HTTP chunk of one event: size line, the event, CRLF. */
static size_t http_chunk(char *dst, const char *event, size_t n) {
    int h = sprintf(dst, "%zx\r\n", n);
    memcpy(dst + h, event, n);
    memcpy(dst + h + n, "\r\n", 2);
    return h + n + 2;
}

static void up_tick_conn(up_conn *c, int64_t now_ms);

static void up_request(up_conn *c) {
    for (;;) {
        if (c->streaming || c->closed) return;
        char *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
        if (!end) return;
        size_t head = (size_t) (end - c->in.p) + 4, body = 0;
        int chunked = 0;
        for (char *line = memchr(c->in.p, '\n', head); line && line < end; line = memchr(line + 1, '\n', end - line)) {
            if (strncasecmp(line + 1, "content-length:", 15) == 0) body = strtoul(line + 16, NULL, 10);
            else if (strncasecmp(line + 1, "transfer-encoding:", 18) == 0 && memmem(line, end - line, "chunked", 7)) chunked = 1;
        }
        size_t need = head + body;
        if (chunked) {
            char *last = memmem(c->in.p + head, c->in.len - head, "0\r\n\r\n", 5);
            if (!last) return;
            need = (size_t) (last - c->in.p) + 5;
        }
        if (c->in.len < need) return;
        int chat = memmem(c->in.p, end - c->in.p, "/chat/completions", 17) != NULL
                   && strncmp(c->in.p, "POST ", 5) == 0;
        buf_drop(&c->in, need);
        if (!chat) {
            static const char nf[] = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
            up_send(c, nf, sizeof nf - 1);
            continue;
        }
        static const char ok[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                                 "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
        up_send(c, ok, sizeof ok - 1);
        if (c->closed) return;
        c->streaming = 1;
        c->sent = 0;
        up_tick_conn(c, now_ns() / 1000000); /* the first chunk at once */
    }
}

/* Sends the connection's next chunk (or its end) and puts it back in the wheel. */
static void up_tick_conn(up_conn *c, int64_t now_ms) {
    char ev[512], out[600];
    if (c->sent < chunks_per_stream) {
        int n = snprintf(ev, sizeof ev, "%s%lld%s", CHUNK_PREFIX, (long long) now_ns(), CHUNK_SUFFIX);
        up_send(c, out, http_chunk(out, ev, (size_t) n));
        c->sent++;
        if (c->closed) return;
        c->due_ms = (c->sent == 1 ? now_ms : c->due_ms) + interval_ms;
        wheel_put(c);
    } else {
        char all[1200];
        int n = snprintf(ev, sizeof ev, "data: {\"id\":\"chatcmpl-paced\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                         "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
                         chunks_per_stream, chunks_per_stream + 12);
        size_t k = http_chunk(all, ev, (size_t) n);
        static const char done[] = "data: [DONE]\n\n";
        k += http_chunk(all + k, done, sizeof done - 1);
        memcpy(all + k, "0\r\n\r\n", 5);
        up_send(c, all, k + 5);
        c->streaming = 0;
        up_request(c); /* a request that came early on this keep-alive connection */
    }
}

static void up_wheel(int64_t from_ms, int64_t to_ms) {
    if (to_ms - from_ms > wheel_mask + 1) from_ms = to_ms - wheel_mask - 1;
    for (int64_t ms = from_ms + 1; ms <= to_ms; ms++) {
        up_conn *c = wheel[ms & wheel_mask];
        wheel[ms & wheel_mask] = NULL;
        while (c) {
            up_conn *next = c->next;
            c->in_wheel = 0;
            if (c->closed) up_free(c);
            else if (c->due_ms > ms) wheel_put(c);
            else up_tick_conn(c, ms);
            c = next;
        }
    }
}

static int run_upstream(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--chunks") && i + 1 < argc) chunks_per_stream = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc) interval_ms = atoll(argv[++i]);
        else die("unknown option %s; options: --chunks N --interval-ms N", argv[i]);
    }
    if (chunks_per_stream < 1 || interval_ms < 1) die("--chunks and --interval-ms must be at least 1");
    int64_t size = 64;
    while (size <= interval_ms + 2) size *= 2;
    wheel = calloc((size_t) size, sizeof *wheel);
    wheel_mask = size - 1;

    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    if (bind(ls, (struct sockaddr *) &a, sizeof a) < 0 || listen(ls, 4096) < 0) die("listen: %s", strerror(errno));
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *) &a, &al);
    fcntl(ls, F_SETFL, O_NONBLOCK);
    epfd = epoll_create1(0);
    int tfd = timer_every_ms();
    static int LISTEN_TAG, TIMER_TAG;
    ep(EPOLL_CTL_ADD, ls, EPOLLIN, &LISTEN_TAG);
    ep(EPOLL_CTL_ADD, tfd, EPOLLIN, &TIMER_TAG);
    printf("UPSTREAM %d\n", ntohs(a.sin_port));
    fflush(stdout);

    int64_t last_ms = now_ns() / 1000000;
    struct epoll_event evs[256];
    char rd[65536];
    for (;;) {
        int n = epoll_wait(epfd, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &LISTEN_TAG) {
                int fd;
                while ((fd = accept(ls, NULL, NULL)) >= 0) {
                    nodelay_nonblock(fd);
                    up_conn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    ep(EPOLL_CTL_ADD, fd, EPOLLIN, c);
                }
            } else if (p == &TIMER_TAG) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) < 0) { /* nothing to do */ }
                int64_t ms = now_ns() / 1000000;
                up_wheel(last_ms, ms);
                last_ms = ms;
            } else {
                up_conn *c = p;
                if (c->closed) continue;
                if (evs[i].events & EPOLLOUT) up_flush(c);
                if (c->closed) continue;
                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    ssize_t r = read(c->fd, rd, sizeof rd);
                    if (r == 0 || (r < 0 && errno != EAGAIN)) { up_close(c); continue; }
                    if (r > 0) {
                        if (c->in.len + (size_t) r > (1 << 20)) { up_close(c); continue; }
                        buf_add(&c->in, rd, (size_t) r);
                        up_request(c);
                    }
                }
            }
        }
        while (graveyard) {
            up_conn *next = graveyard->next;
            up_free(graveyard);
            graveyard = next;
        }
    }
    return 0; /* not reached: runs until killed */
}

/* ------------------------------------------------------------------ load generator */

enum { IDLE, CONNECTING, HEAD, BODY, DONE_SLOT };
enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

typedef struct {
    int fd, state, chunked, ch_state;
    int64_t start_at_ns;  /* IDLE: when to (re)connect */
    long long ch_left;    /* bytes left in the current chunk, or in a content-length body */
    buf_t head, line, size_line;
} ld_conn;

static struct { char host[256], path[1024]; int port; } url;
static char request[4096];
static size_t request_len;
static int64_t record_from, record_to;
static int32_t *samples;
static int32_t *sample_at_ms; /* with --dump: when each sample arrived, ms after the recording began */
static size_t samples_cap, samples_n;
static long long opened, completed, failed, chunks_seen;
static int slots_busy;

static void parse_url(const char *u) {
    if (strncmp(u, "http://", 7) != 0) die("--url must start with http:// (got %s)", u);
    const char *h = u + 7, *slash = strchr(h, '/'), *colon = memchr(h, ':', slash ? (size_t) (slash - h) : strlen(h));
    if (!slash || !colon) die("--url needs a host, a port and a path (got %s)", u);
    snprintf(url.host, sizeof url.host, "%.*s", (int) (colon - h), h);
    url.port = atoi(colon + 1);
    snprintf(url.path, sizeof url.path, "%s", slash);
}

static void ld_fail(ld_conn *c, int64_t now) {
    failed++;
    if (c->fd >= 0) {
        ep(EPOLL_CTL_DEL, c->fd, 0, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->state = IDLE;
    c->start_at_ns = now + 100000000LL; /* again in 100 ms */
}

static void ld_send(ld_conn *c, int64_t now) {
    if (now >= record_to) { /* the run is over: this slot is done */
        if (c->fd >= 0) { ep(EPOLL_CTL_DEL, c->fd, 0, NULL); close(c->fd); c->fd = -1; }
        c->state = DONE_SLOT;
        slots_busy--;
        return;
    }
    if (write(c->fd, request, request_len) != (ssize_t) request_len) { ld_fail(c, now); return; }
    opened++;
    c->state = HEAD;
    c->head.len = c->line.len = c->size_line.len = 0;
}

static void ld_connect(ld_conn *c, int64_t now) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) url.port)};
    if (inet_pton(AF_INET, url.host, &a.sin_addr) != 1) die("--url host must be an IPv4 address (got %s)", url.host);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    nodelay_nonblock(c->fd);
    if (connect(c->fd, (struct sockaddr *) &a, sizeof a) < 0 && errno != EINPROGRESS) { close(c->fd); c->fd = -1; ld_fail(c, now); return; }
    c->state = CONNECTING;
    ep(EPOLL_CTL_ADD, c->fd, EPOLLOUT, c);
}

/* One SSE line of the body: a chunk's stamp, when it has one. */
static void ld_line(const char *s, size_t n, int64_t now) {
    const char *t = memmem(s, n, "\"t\":", 4);
    if (!t) return;
    long long v = 0;
    for (t += 4; t < s + n && *t >= '0' && *t <= '9'; t++) v = v * 10 + (*t - '0');
    chunks_seen++;
    if (now >= record_from && now < record_to && samples_n < samples_cap) {
        long long us = (now - v) / 1000;
        if (sample_at_ms) sample_at_ms[samples_n] = (int32_t) ((now - record_from) / 1000000);
        samples[samples_n++] = us > INT32_MAX ? INT32_MAX : (int32_t) us;
    }
}

static void ld_body_bytes(ld_conn *c, const char *s, size_t n, int64_t now) {
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t) (nl - s) + 1 : n;
        if (nl && c->line.len == 0) ld_line(s, k, now); /* the whole line is here */
        else {
            buf_add(&c->line, s, k);
            if (nl) { ld_line(c->line.p, c->line.len, now); c->line.len = 0; }
        }
        s += k;
        n -= k;
    }
}

static void ld_response_end(ld_conn *c, int64_t now) {
    completed++;
    ld_send(c, now);
}

/* Bytes of the response after its head: chunked decoding, or a content-length body. */
static void ld_body(ld_conn *c, const char *s, size_t n, int64_t now) {
    while (n > 0 && c->state == BODY) {
        if (!c->chunked) {
            size_t k = (size_t) c->ch_left < n ? (size_t) c->ch_left : n;
            ld_body_bytes(c, s, k, now);
            s += k; n -= k; c->ch_left -= (long long) k;
            if (c->ch_left == 0) ld_response_end(c, now);
            continue;
        }
        switch (c->ch_state) {
            case CH_SIZE:
            case CH_TRAILER: {
                const char *nl = memchr(s, '\n', n);
                size_t k = nl ? (size_t) (nl - s) + 1 : n;
                buf_add(&c->size_line, s, k);
                s += k; n -= k;
                if (!nl) break;
                if (c->ch_state == CH_TRAILER) {
                    int empty = c->size_line.len <= 2;
                    c->size_line.len = 0;
                    if (empty) ld_response_end(c, now);
                    break;
                }
                buf_add(&c->size_line, "", 1);
                c->ch_left = strtoll(c->size_line.p, NULL, 16);
                c->size_line.len = 0;
                c->ch_state = c->ch_left == 0 ? CH_TRAILER : CH_DATA;
                break;
            }
            case CH_DATA: {
                size_t k = (size_t) c->ch_left < n ? (size_t) c->ch_left : n;
                ld_body_bytes(c, s, k, now);
                s += k; n -= k; c->ch_left -= (long long) k;
                if (c->ch_left == 0) { c->ch_state = CH_DATA_END; c->ch_left = 2; }
                break;
            }
            case CH_DATA_END: {
                size_t k = (size_t) c->ch_left < n ? (size_t) c->ch_left : n;
                s += k; n -= k; c->ch_left -= (long long) k;
                if (c->ch_left == 0) c->ch_state = CH_SIZE;
                break;
            }
        }
    }
}

static void ld_read(ld_conn *c, const char *s, size_t n, int64_t now) {
    if (c->state == HEAD) {
        buf_add(&c->head, s, n);
        char *end = memmem(c->head.p, c->head.len, "\r\n\r\n", 4);
        if (!end) {
            if (c->head.len > 65536) ld_fail(c, now);
            return;
        }
        size_t headlen = (size_t) (end - c->head.p) + 4;
        if (c->head.len < 12 || strncmp(c->head.p + 9, "200", 3) != 0) { ld_fail(c, now); return; }
        c->chunked = 0;
        c->ch_left = -1;
        for (char *line = memchr(c->head.p, '\n', headlen); line && line < end; line = memchr(line + 1, '\n', end - line)) {
            if (strncasecmp(line + 1, "transfer-encoding:", 18) == 0 && memmem(line, end - line, "chunked", 7)) c->chunked = 1;
            else if (strncasecmp(line + 1, "content-length:", 15) == 0) c->ch_left = strtoll(line + 16, NULL, 10);
        }
        if (!c->chunked && c->ch_left < 0) { ld_fail(c, now); return; } /* neither: cannot tell the end */
        c->state = BODY;
        c->ch_state = CH_SIZE;
        /* the body's first bytes stay in head.p, which nothing writes to until the next response */
        size_t rest = c->head.len - headlen;
        c->head.len = 0;
        if (!c->chunked && c->ch_left == 0) { ld_response_end(c, now); return; }
        ld_body(c, c->head.p + headlen, rest, now);
    } else if (c->state == BODY) {
        ld_body(c, s, n, now);
    }
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
    return (x > y) - (x < y);
}

static double pct(double p) {
    if (samples_n == 0) return 0.0 / 0.0;
    double r = p / 100.0 * (double) samples_n;
    long i = (long) r;
    if ((double) i < r) i++;
    i -= 1;
    if (i < 0) i = 0;
    if (i >= (long) samples_n) i = (long) samples_n - 1;
    return samples[i] / 1000.0;
}

static int run_load(int argc, char **argv) {
    const char *u = NULL, *name = "run", *model = "race/static-model", *dump = NULL;
    int streams = 1000, seconds = 30, warmup = 5;
    for (int i = 0; i < argc; i++) {
        if (i + 1 >= argc) die("option %s needs a value", argv[i]);
        if (!strcmp(argv[i], "--url")) u = argv[++i];
        else if (!strcmp(argv[i], "--name")) name = argv[++i];
        else if (!strcmp(argv[i], "--model")) model = argv[++i];
        else if (!strcmp(argv[i], "--streams")) streams = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--warmup")) warmup = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump")) dump = argv[++i];
        else die("unknown option %s; options: --url U --name N --model M --streams N --seconds N --warmup N --dump FILE", argv[i]);
    }
    if (!u) die("--url is required");
    if (streams < 1 || seconds < 1 || warmup < 0) die("--streams and --seconds must be at least 1, --warmup at least 0");
    parse_url(u);
    char body[512];
    int bl = snprintf(body, sizeof body, "{\"model\":\"%s\",\"stream\":true,\"max_tokens\":200,"
                      "\"messages\":[{\"role\":\"user\",\"content\":\"Stream for a while.\"}]}", model);
    request_len = (size_t) snprintf(request, sizeof request,
                                    "POST %s HTTP/1.1\r\nhost: %s:%d\r\ncontent-type: application/json\r\n"
                                    "accept: text/event-stream\r\ncontent-length: %d\r\n\r\n%s",
                                    url.path, url.host, url.port, bl, body);
    samples_cap = (size_t) streams * 25 * (size_t) (seconds + 5);
    if (samples_cap < 1000000) samples_cap = 1000000;
    samples = malloc(samples_cap * sizeof *samples);
    if (!samples) die("out of memory");
    if (dump && !(sample_at_ms = malloc(samples_cap * sizeof *sample_at_ms))) die("out of memory");

    epfd = epoll_create1(0);
    int tfd = timer_every_ms();
    static int TIMER_TAG;
    ep(EPOLL_CTL_ADD, tfd, EPOLLIN, &TIMER_TAG);
    int64_t start = now_ns();
    record_from = start + (int64_t) warmup * 1000000000LL;
    record_to = record_from + (int64_t) seconds * 1000000000LL;
    int64_t give_up = record_to + 120LL * 1000000000LL;
    ld_conn *conns = calloc((size_t) streams, sizeof *conns);
    for (int i = 0; i < streams; i++) {
        conns[i].fd = -1;
        conns[i].state = IDLE;
        conns[i].start_at_ns = start + 1000000LL + (int64_t) i * 1000000000LL / streams; /* spread over a second */
    }
    slots_busy = streams;
    struct epoll_event evs[256];
    char rd[65536];
    while (slots_busy > 0) {
        int n = epoll_wait(epfd, evs, 256, -1);
        int64_t now = now_ns();
        if (now > give_up) break;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &TIMER_TAG) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) < 0) { /* nothing to do */ }
                for (int k = 0; k < streams; k++) {
                    ld_conn *c = &conns[k];
                    if (c->state != IDLE || c->start_at_ns > now) continue;
                    if (now >= record_to) { c->state = DONE_SLOT; slots_busy--; continue; }
                    ld_connect(c, now);
                }
                continue;
            }
            ld_conn *c = p;
            if (c->state == CONNECTING) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) { ld_fail(c, now); continue; }
                ep(EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
                ld_send(c, now);
                continue;
            }
            if (c->state != HEAD && c->state != BODY) continue;
            ssize_t r = read(c->fd, rd, sizeof rd);
            if (r == 0 || (r < 0 && errno != EAGAIN)) { ld_fail(c, now); continue; }
            if (r > 0) ld_read(c, rd, (size_t) r, now);
        }
    }
    if (dump) { /* every recorded chunk in arrival order: ms after the recording began, travel time in µs */
        FILE *f = fopen(dump, "w");
        if (!f) die("cannot write %s: %s", dump, strerror(errno));
        fprintf(f, "# recording began at %lld ms of CLOCK_MONOTONIC\n", (long long) (record_from / 1000000));
        for (size_t i = 0; i < samples_n; i++) fprintf(f, "%d %d\n", sample_at_ms[i], samples[i]);
        fclose(f);
    }
    qsort(samples, samples_n, sizeof *samples, cmp_i32);
    printf("RESULT %s streams=%d seconds=%d opened=%lld completed=%lld failed=%lld chunks=%lld chunks/s=%.0f "
           "latency_ms p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f\n",
           name, streams, seconds, opened, completed, failed, chunks_seen, (double) samples_n / seconds,
           pct(50), pct(90), pct(99), pct(99.9), samples_n ? samples[samples_n - 1] / 1000.0 : 0.0 / 0.0);
    return 0;
}

int main(int argc, char **argv) {
    raise_fd_limit();
    if (argc >= 2 && !strcmp(argv[1], "upstream")) return run_upstream(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "load")) return run_load(argc - 2, argv + 2);
    die("usage: paced upstream [--chunks N] [--interval-ms N] | paced load --url U --name N [--streams N] [--seconds N] [--warmup N] [--model M]");
    return 2;
}
