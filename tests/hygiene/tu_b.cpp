// Two-TU link test, part B (see tu_a.cpp).
#include <qtz/qtz.hpp>

int qtz_two_tu_b() { return 0; }
