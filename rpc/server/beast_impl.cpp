// The one translation unit that compiles Boost.Beast's implementation (separate compilation).
#include <boost/beast/src.hpp>
