// Consumer of an installed / embedded qtz: must compile with nothing but qtz::qtz (or pkg-config flags).
#include <qtz/qtz.hpp>

int main() { return 0; }
