/* DCM_RESTRICT: the compiler's spelling of C99 restrict (MSVC's C++-style too). */
#ifndef DCM_RESTRICT_H
#define DCM_RESTRICT_H
#if defined(_MSC_VER)
#define DCM_RESTRICT __restrict
#else
#define DCM_RESTRICT __restrict__
#endif
#endif
