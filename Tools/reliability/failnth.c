// An LD_PRELOAD shim for the I/O-error check (docs/RELIABILITY.md): counts write, pwrite, fsync, fdatasync and
// ftruncate calls on regular files and fails the Nth with EIO. Environment:
//   ALLY_FAIL_AT=N       the call to fail (1-based); 0 or unset fails nothing and only counts
//   ALLY_FAIL_PERSIST=1  fail every call from the Nth on (a disk gone bad), not only the Nth (a transient error)
//   ALLY_FAIL_COUNT=PATH write the number of calls counted to PATH at exit (so the driver knows when N is past the
//                        last call)
// Build: cc -shared -fPIC -O2 -o failnth.so failnth.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long target = -1;
static int persist = 0;
static atomic_long counted = 0;

static void report(void) {
    const char *path = getenv("ALLY_FAIL_COUNT");
    if (path == NULL || *path == 0) return;
    FILE *file = fopen(path, "w");
    if (file == NULL) return;
    fprintf(file, "%ld\n", (long)atomic_load(&counted));
    fclose(file);
}

static void setup(void) {
    if (target >= 0) return;
    const char *at = getenv("ALLY_FAIL_AT");
    const char *sticky = getenv("ALLY_FAIL_PERSIST");
    persist = sticky != NULL && *sticky == '1';
    target = at != NULL ? atol(at) : 0;
    atexit(report);
}

// Whether this call on `fd` fails: only regular files count (not the terminal, pipes or sockets).
static int fails(int fd) {
    setup();
    struct stat status;
    if (fd < 0 || fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) return 0;
    long call = atomic_fetch_add(&counted, 1) + 1;
    if (target <= 0) return 0;
    return persist ? call >= target : call == target;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*sync_fn)(int);
typedef int (*truncate_fn)(int, off_t);

#define REAL(name, type) \
    static type real_##name = NULL; \
    if (real_##name == NULL) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buffer, size_t count) {
    REAL(write, write_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    REAL(pwrite, pwrite_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
    REAL(pwrite64, pwrite_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_pwrite64(fd, buffer, count, offset);
}

int fsync(int fd) {
    REAL(fsync, sync_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync, sync_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_fdatasync(fd);
}

int ftruncate(int fd, off_t length) {
    REAL(ftruncate, truncate_fn);
    if (fails(fd)) { errno = EIO; return -1; }
    return real_ftruncate(fd, length);
}
