// sets the EEVDF slice (sched_attr.sched_runtime for SCHED_OTHER, kernel >= 6.12) of the given threads
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
struct sched_attr { uint32_t size, sched_policy; uint64_t sched_flags; int32_t sched_nice; uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period; uint32_t sched_util_min, sched_util_max; };
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: slice NS TID...\n"); return 2; }
  uint64_t ns = strtoull(argv[1], 0, 10);
  for (int i = 2; i < argc; i++) {
    int tid = atoi(argv[i]);
    struct sched_attr a; memset(&a, 0, sizeof a); a.size = sizeof a;
    if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0)) { perror("sched_getattr"); return 1; }
    uint64_t before = a.sched_runtime;
    a.sched_policy = 0; a.sched_runtime = ns; a.size = sizeof a; a.sched_flags = 0;
    if (syscall(SYS_sched_setattr, tid, &a, 0)) { perror("sched_setattr"); return 1; }
    memset(&a, 0, sizeof a);
    syscall(SYS_sched_getattr, tid, &a, sizeof a, 0);
    printf("tid %d: slice %llu -> %llu ns\n", tid, (unsigned long long) before, (unsigned long long) a.sched_runtime);
  }
  return 0;
}
