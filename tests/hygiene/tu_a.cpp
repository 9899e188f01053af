// Two-TU link test, part A: <qtz/qtz.hpp> is included here and in tu_b.cpp, and both objects are linked
// into one executable. A non-inline function or variable defined in a header fails this link.
#include <qtz/qtz.hpp>

int qtz_two_tu_b();

int main() { return qtz_two_tu_b(); }
