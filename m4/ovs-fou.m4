# OVS_FOU_SOURCE_HAS(FILE, IDENTIFIER, DEFINE)
# --------------------------------------------
# Substitutes @DEFINE@ in ovs-fou-config.h.in with "#define DEFINE 1" if
# FILE of the Open vSwitch source (ovs_source_file in configure.ac) names
# IDENTIFIER as a whole word, and with a comment saying it does not
# otherwise.  Not AC_DEFINE: an autoheader config.h would redefine
# PACKAGE_NAME and the like, which OVS's own config.h defines.
AC_DEFUN([OVS_FOU_SOURCE_HAS],
  [AC_MSG_CHECKING([whether Open vSwitch's $1 has $2])
   AS_IF([ovs_source_file "$1" | grep -qw "$2"],
         [AC_MSG_RESULT([yes])
          $3="#define $3 1"],
         [AC_MSG_RESULT([no])
          $3="/* $3: not in this Open vSwitch. */"])
   AC_SUBST([$3])])
