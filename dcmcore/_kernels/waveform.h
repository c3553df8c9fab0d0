/* Waveform sample loops, one per stored sample type (little endian hosts, no padding value):
 * out[s * nc + c] = (double)sample * scale[c] * corr[c] + offset[c], in the reference's order
 * of operations. restrict lets the compiler keep the row's factors in registers and vectorise. */
#ifndef DCM_WAVEFORM_H
#define DCM_WAVEFORM_H
#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include "dcm_restrict.h"

#define DCM_WAVE_LOOP(NAME, T)                                                                   \
    static void NAME(const uint8_t *DCM_RESTRICT src, ptrdiff_t ns, ptrdiff_t nc,                \
                     const double *DCM_RESTRICT scale, const double *DCM_RESTRICT corr,          \
                     const double *DCM_RESTRICT offset, double *DCM_RESTRICT out)                \
    {                                                                                            \
        ptrdiff_t s, c;                                                                          \
        for (s = 0; s < ns; s++) {                                                               \
            const uint8_t *row = src + s * nc * (ptrdiff_t)sizeof(T);                            \
            double *o = out + s * nc;                                                            \
            for (c = 0; c < nc; c++) {                                                           \
                T v;                                                                             \
                memcpy(&v, row + c * (ptrdiff_t)sizeof(T), sizeof(T));                           \
                o[c] = (double)v * scale[c] * corr[c] + offset[c];                               \
            }                                                                                    \
        }                                                                                        \
    }

DCM_WAVE_LOOP(dcm_wave_u8, uint8_t)
DCM_WAVE_LOOP(dcm_wave_i8, int8_t)
DCM_WAVE_LOOP(dcm_wave_u16, uint16_t)
DCM_WAVE_LOOP(dcm_wave_i16, int16_t)
DCM_WAVE_LOOP(dcm_wave_u32, uint32_t)
DCM_WAVE_LOOP(dcm_wave_i32, int32_t)
DCM_WAVE_LOOP(dcm_wave_u64, uint64_t)
DCM_WAVE_LOOP(dcm_wave_i64, int64_t)

#endif
