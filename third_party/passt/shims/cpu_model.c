/* __cpu_model and __cpu_indicator_init for __builtin_cpu_supports() on x86_64 (passt's arch.c
 * asks for "avx2"): zig 0.15.2's compiler_rt does not provide them (libgcc and LLVM's
 * compiler-rt cpu_model.c do). Only the features[0] bits are filled, numbered as LLVM's
 * ProcessorFeatures enum (CMOV=0 ... AVX=9, AVX2=10); the vendor is "other". */
#if defined(__x86_64__)
#include <cpuid.h>

struct __processor_model {
	unsigned int __cpu_vendor, __cpu_type, __cpu_subtype;
	unsigned int __cpu_features[1];
} __cpu_model;
unsigned int __cpu_features2[3];

/* AVX needs the OS to save the YMM registers (XCR0 bits 1 and 2) */
static int os_saves_ymm(void)
{
	unsigned int eax, edx;

	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return (eax & 6) == 6;
}

__attribute__((constructor(101))) int __cpu_indicator_init(void)
{
	unsigned int a, b, c, d, f = 0;
	int avx;

	if (__cpu_model.__cpu_vendor)
		return 0;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return -1;
	if (d & bit_CMOV)
		f |= 1u << 0;
	if (d & bit_MMX)
		f |= 1u << 1;
	if (c & bit_POPCNT)
		f |= 1u << 2;
	if (d & bit_SSE)
		f |= 1u << 3;
	if (d & bit_SSE2)
		f |= 1u << 4;
	if (c & bit_SSE3)
		f |= 1u << 5;
	if (c & bit_SSSE3)
		f |= 1u << 6;
	if (c & bit_SSE4_1)
		f |= 1u << 7;
	if (c & bit_SSE4_2)
		f |= 1u << 8;
	avx = (c & bit_AVX) && (c & bit_OSXSAVE) && os_saves_ymm();
	if (avx)
		f |= 1u << 9;
	if (avx && __get_cpuid_max(0, 0) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		if (b & bit_AVX2)
			f |= 1u << 10;
	}
	__cpu_model.__cpu_vendor = 1;
	__cpu_model.__cpu_features[0] = f;
	return 0;
}
#endif
