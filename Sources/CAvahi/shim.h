// Types and constants of libavahi-client and libavahi-common (Debian's libavahi-client-dev). Nothing is linked:
// the Zeroconf module loads libavahi-client.so.3 with dlopen when --zeroconf or +zeroconf is used.
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/address.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>
