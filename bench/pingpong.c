/*
 * pingpong.c — minimal TCP ping-pong RTT client, the C baseline for
 * bench/probe-rtt.sh.
 *
 * Usage: pingpong HOST PORT COUNT INTERVAL_US
 *
 * Connects once by TCP (TCP_NODELAY on), then COUNT times:
 *   t0 = clock_gettime(CLOCK_MONOTONIC); write "PING\n";
 *   block in read() until a full line arrived, check it is "PONG";
 *   t1 = clock_gettime(CLOCK_MONOTONIC); rtt = t1 - t0;
 *   sleep until t0 + INTERVAL_US (absolute deadline), so pings start
 *   INTERVAL_US apart (or back to back if an answer took longer).
 * Every ping is counted (no warm-up is discarded, same as tether probe).
 * Prints one line of JSON on stdout with times in microseconds:
 *   {"count":2000,"p50_us":21.3,"p90_us":..,"p99_us":..,"min_us":..,
 *    "avg_us":..,"max_us":..}
 * Percentiles use linear interpolation between closest ranks.
 * Exit 0 on success, 1 on any socket error / wrong answer / EOF, 2 on usage.
 *
 * Build: cc -O2 -Wall -Wextra -o pingpong pingpong.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "pingpong: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until_ns(int64_t deadline)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline / 1000000000LL);
    ts.tv_nsec = (long)(deadline % 1000000000LL);
    int rc;
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
        ;
    if (rc != 0) {
        errno = rc;
        die("clock_nanosleep");
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentile (0..100) of sorted samples, linear interpolation, in ns. */
static double percentile(const int64_t *sorted, long n, double p)
{
    if (n == 1)
        return (double)sorted[0];
    double rank = p / 100.0 * (double)(n - 1);
    long lo = (long)rank;
    if (lo >= n - 1)
        return (double)sorted[n - 1];
    double frac = rank - (double)lo;
    return (double)sorted[lo] + frac * (double)(sorted[lo + 1] - sorted[lo]);
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "pingpong: resolve %s:%s: %s\n", host, port, gai_strerror(gai));
        exit(1);
    }
    int fd = -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        die("connect");
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        die("setsockopt TCP_NODELAY");
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s HOST PORT COUNT INTERVAL_US\n", argv[0]);
        return 2;
    }
    char *end;
    long count = strtol(argv[3], &end, 10);
    if (*end != '\0' || count < 1) {
        fprintf(stderr, "pingpong: bad COUNT '%s'\n", argv[3]);
        return 2;
    }
    long interval_us = strtol(argv[4], &end, 10);
    if (*end != '\0' || interval_us < 0) {
        fprintf(stderr, "pingpong: bad INTERVAL_US '%s'\n", argv[4]);
        return 2;
    }

    int64_t *rtt = malloc((size_t)count * sizeof *rtt);
    if (rtt == NULL)
        die("malloc");

    int fd = dial(argv[1], argv[2]);

    static const char ping[] = "PING\n";
    char buf[256];
    size_t have = 0; /* bytes buffered in buf (start of the next line) */

    for (long i = 0; i < count; i++) {
        int64_t t0 = now_ns();

        size_t off = 0;
        while (off < sizeof ping - 1) {
            ssize_t w = write(fd, ping + off, sizeof ping - 1 - off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                die("write");
            }
            off += (size_t)w;
        }

        char *nl;
        while ((nl = memchr(buf, '\n', have)) == NULL) {
            if (have == sizeof buf) {
                fprintf(stderr, "pingpong: answer line too long\n");
                return 1;
            }
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                die("read");
            }
            if (r == 0) {
                fprintf(stderr, "pingpong: connection closed by peer after %ld pings\n", i);
                return 1;
            }
            have += (size_t)r;
        }

        int64_t t1 = now_ns();
        rtt[i] = t1 - t0;

        size_t linelen = (size_t)(nl - buf);
        if (linelen != 4 || memcmp(buf, "PONG", 4) != 0) {
            fprintf(stderr, "pingpong: unexpected answer '%.*s'\n", (int)linelen, buf);
            return 1;
        }
        size_t used = linelen + 1;
        memmove(buf, buf + used, have - used);
        have -= used;

        if (i + 1 < count && interval_us > 0)
            sleep_until_ns(t0 + (int64_t)interval_us * 1000LL);
    }
    close(fd);

    double sum = 0;
    for (long i = 0; i < count; i++)
        sum += (double)rtt[i];
    qsort(rtt, (size_t)count, sizeof *rtt, cmp_i64);

    printf("{\"count\":%ld,\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,"
           "\"min_us\":%.3f,\"avg_us\":%.3f,\"max_us\":%.3f}\n",
           count,
           percentile(rtt, count, 50) / 1e3,
           percentile(rtt, count, 90) / 1e3,
           percentile(rtt, count, 99) / 1e3,
           (double)rtt[0] / 1e3,
           sum / (double)count / 1e3,
           (double)rtt[count - 1] / 1e3);
    free(rtt);
    return 0;
}
