// qtz version macros.
#pragma once

#define QTZ_VERSION_MAJOR 0
#define QTZ_VERSION_MINOR 1
#define QTZ_VERSION_PATCH 0
#define QTZ_VERSION_STRING "0.1.0"
