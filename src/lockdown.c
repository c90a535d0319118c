/* lockdown.c: privilege drop and the relay's seccomp filter. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lockdown.h"
#include "relay.h"

int lockdown_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (!user) {
		snprintf(err, errlen, "refusing to relay as root: add 'user NAME' "
			 "to the config (or 'user root' to mean it)");
		return -1;
	}
	if (strcmp(user, "root") == 0)
		return 0;
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "user %s: no such user", user);
		return -1;
	}
	/* Groups first: after setuid() there is no permission left to
	 * change them. */
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "user %s: cannot switch: %s", user,
			 strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) { /* a drop that can be undone is no drop */
		snprintf(err, errlen, "user %s: root could be regained", user);
		return -1;
	}
	return 0;
}

/* The kernel's seccomp ABI (linux/filter.h, linux/seccomp.h,
 * linux/audit.h), spelled out because musl toolchains carry no kernel
 * headers. The values are part of the Linux ABI and never change. */
struct bpf_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

struct bpf_program {
	unsigned short len;
	const struct bpf_insn *insns;
};

#define BPF_LOAD_WORD 0x20   /* BPF_LD | BPF_W | BPF_ABS */
#define BPF_AND_K 0x54       /* BPF_ALU | BPF_AND | BPF_K */
#define BPF_JEQ_K 0x15       /* BPF_JMP | BPF_JEQ | BPF_K */
#define BPF_JGE_K 0x35       /* BPF_JMP | BPF_JGE | BPF_K */
#define BPF_RETURN 0x06      /* BPF_RET | BPF_K */
#define SECCOMP_FILTER 2     /* SECCOMP_MODE_FILTER */
#define RET_KILL 0x80000000U /* SECCOMP_RET_KILL_PROCESS */
#define RET_ALLOW 0x7fff0000U

/* struct seccomp_data: nr, arch, instruction pointer, args[6]. The low
 * word of each 64-bit argument comes first on little-endian machines,
 * the only ones listed below. */
#define DATA_NR 0
#define DATA_ARCH 4
#define DATA_ARG(i) (16 + 8 * (i))

#if defined(__x86_64__)
#define AUDIT_ARCH 0xc000003eU   /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define AUDIT_ARCH 0xc00000b7U   /* AUDIT_ARCH_AARCH64 */
#elif defined(__arm__) && defined(__ARMEL__)
#define AUDIT_ARCH 0x40000028U   /* AUDIT_ARCH_ARM */
#endif

#ifdef AUDIT_ARCH
#define FILTER_MAX 96

/* A filter under construction: appending never overruns. */
struct filter {
	struct bpf_insn insn[FILTER_MAX];
	unsigned n;
};

static void emit(struct filter *f, uint16_t code, uint8_t jt, uint8_t jf,
		 uint32_t k)
{
	if (f->n < FILTER_MAX)
		f->insn[f->n++] = (struct bpf_insn){ code, jt, jf, k };
}

/* if (nr == sys) allow; the accumulator holds nr before and after. */
static void allow(struct filter *f, long sys)
{
	emit(f, BPF_JEQ_K, 0, 1, (uint32_t)sys);
	emit(f, BPF_RETURN, 0, 0, RET_ALLOW);
}

/* if (nr == sys) { allow when (arg & mask) == value, else kill }. */
static void allow_if(struct filter *f, long sys, int arg, uint32_t mask,
		     uint32_t value)
{
	emit(f, BPF_JEQ_K, 0, 5, (uint32_t)sys);
	emit(f, BPF_LOAD_WORD, 0, 0, DATA_ARG(arg));
	emit(f, BPF_AND_K, 0, 0, mask);
	emit(f, BPF_JEQ_K, 0, 1, value);
	emit(f, BPF_RETURN, 0, 0, RET_ALLOW);
	emit(f, BPF_RETURN, 0, 0, RET_KILL);
}

/* syslog and the journal open a local datagram socket for the record:
 * socket(AF_UNIX, SOCK_DGRAM[|flags], ...) and nothing else; no stream
 * socket (that could reach a local service) and no other family. */
static void allow_log_socket(struct filter *f)
{
	emit(f, BPF_JEQ_K, 0, 7, (uint32_t)SYS_socket);
	emit(f, BPF_LOAD_WORD, 0, 0, DATA_ARG(0));
	emit(f, BPF_JEQ_K, 0, 4, AF_UNIX);
	emit(f, BPF_LOAD_WORD, 0, 0, DATA_ARG(1));
	emit(f, BPF_AND_K, 0, 0, ~(uint32_t)(SOCK_CLOEXEC | SOCK_NONBLOCK));
	emit(f, BPF_JEQ_K, 0, 1, SOCK_DGRAM);
	emit(f, BPF_RETURN, 0, 0, RET_ALLOW);
	emit(f, BPF_RETURN, 0, 0, RET_KILL);
}

/* The system calls the relay and the final log record make. */
static void allow_relay(struct filter *f)
{
	static const long calls[] = {
		SYS_read, SYS_write, SYS_writev, SYS_close, SYS_shutdown,
		SYS_exit, SYS_exit_group, SYS_rt_sigreturn, SYS_restart_syscall,
		SYS_getpid, SYS_gettid, SYS_clock_gettime, SYS_gettimeofday,
		SYS_brk, SYS_munmap, SYS_mremap, SYS_madvise,
		SYS_sendto, SYS_sendmsg, SYS_connect,
#if RELAY_SPLICE
		SYS_splice,
#endif
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS__newselect
		SYS__newselect,
#endif
#ifdef SYS_pselect6
		SYS_pselect6,
#endif
#ifdef SYS_pselect6_time64
		SYS_pselect6_time64,
#endif
#ifdef SYS_clock_gettime64
		SYS_clock_gettime64,
#endif
	};
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		allow(f, calls[i]);
	/* Memory for the log's formatting, never executable. */
#ifdef SYS_mmap
	allow_if(f, SYS_mmap, 2, PROT_EXEC, 0);
#endif
#ifdef SYS_mmap2
	allow_if(f, SYS_mmap2, 2, PROT_EXEC, 0);
#endif
	allow_log_socket(f);
}

int lockdown_enter(void)
{
	struct filter f = { .n = 0 };
	struct bpf_program prog;

	emit(&f, BPF_LOAD_WORD, 0, 0, DATA_ARCH);
	emit(&f, BPF_JEQ_K, 1, 0, AUDIT_ARCH);
	emit(&f, BPF_RETURN, 0, 0, RET_KILL);
	emit(&f, BPF_LOAD_WORD, 0, 0, DATA_NR);
#if defined(__x86_64__)
	/* The x32 ABI reaches the same calls under other numbers. */
	emit(&f, BPF_JGE_K, 0, 1, 0x40000000U);
	emit(&f, BPF_RETURN, 0, 0, RET_KILL);
#endif
	allow_relay(&f);
	emit(&f, BPF_RETURN, 0, 0, RET_KILL);
	if (f.n == FILTER_MAX)
		return -1; /* cannot happen: the list above is fixed */
	prog.len = (unsigned short)f.n;
	prog.insns = f.insn;
	/* NO_NEW_PRIVS first: the kernel demands it of an unprivileged
	 * filter, and it forbids setuid programs from here on. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_FILTER, &prog, 0, 0) < 0)
		return -1;
	return 0;
}
#else
int lockdown_enter(void)
{
	errno = ENOSYS; /* no filter for this architecture yet */
	return -1;
}
#endif
