#define ZSTD_STATIC_LINKING_ONLY_NOT_NEEDED 1
#include <zstd.h>
