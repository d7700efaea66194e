/* catatonit's config.h, written by hand from upstream's config.h.in (configure.ac's AC_INIT values);
 * the HAVE_* results of configure.ac are local_defines in BUILD.catatonit.bazel. */
#if !defined(CONFIG_H)
#define CONFIG_H

/* catatonit_test checks `catatonit --version` ("tini version <this>_catatonit") against pins.json */
#define PROGRAM_NAME    "catatonit"
#define PROGRAM_VERSION "0.2.1"
#define PROGRAM_BUGURL  "https://bugs.opensuse.org/"
#define PROGRAM_URL     "https://github.com/openSUSE/catatonit/"
#define PROGRAM_LICENSE \
 PROGRAM_NAME ": a container init so simple it's effectively brain-dead\n" \
 "Copyright (C) 2018-2023 SUSE LLC\n" \
 "\n" \
 "This program is free software; you can redistribute it and/or modify\n" \
 "it under the terms of the GNU General Public License as published by\n" \
 "the Free Software Foundation, either version 2 of the License, or\n" \
 "(at your option) any later version.\n" \
 "\n" \
 "This program is distributed in the hope that it will be useful,\n" \
 "but WITHOUT ANY WARRANTY; without even the implied warranty of\n" \
 "MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the\n" \
 "GNU General Public License for more details.\n" \
 "\n" \
 "You should have received a copy of the GNU General Public License\n" \
 "along with this program.  If not, see <https://www.gnu.org/licenses/>.\n" \

#endif /* !defined(CONFIG_H) */
