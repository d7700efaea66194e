/* <argp.h> for programs (musl has no argp): gnulib's lib/argp.h, which expects gnulib's config.h
 * to have defined the few macros below first (its #error "Please include config.h first"). They
 * are the definitions of //third_party/gnulib:config.h, so the inline functions argp.h defines
 * agree with the library's: GNU inline, out-of-line copies in the library only. */
#ifndef RST_ARGP_WRAPPER_H
#define RST_ARGP_WRAPPER_H

#ifndef _GL_CONFIG_H_INCLUDED
# define _GL_CONFIG_H_INCLUDED 1
#endif
#ifndef _GL_INLINE
# define _GL_INLINE extern inline __attribute__ ((__gnu_inline__))
#endif
#ifndef _GL_INLINE_HEADER_BEGIN
# define _GL_INLINE_HEADER_BEGIN
# define _GL_INLINE_HEADER_END
#endif
#ifndef _GL_ATTRIBUTE_FORMAT
# define _GL_ATTRIBUTE_FORMAT(spec) __attribute__ ((__format__ spec))
#endif
#ifndef _GL_ATTRIBUTE_SPEC_PRINTF_STANDARD
# define _GL_ATTRIBUTE_SPEC_PRINTF_STANDARD __printf__
#endif
#ifndef _GL_ATTRIBUTE_SPEC_PRINTF_SYSTEM
# define _GL_ATTRIBUTE_SPEC_PRINTF_SYSTEM __printf__
#endif

#include <gnulib/argp.h>

#endif /* RST_ARGP_WRAPPER_H */
