// qtz umbrella header: formats, parameters, profiles, the scalar reference, calibrators and the
// Eigen API. See docs/quantization.md for the math and README.md for an example.
#pragma once

#include "qtz/config.hpp"
#include "qtz/version.hpp"

#include "qtz/core/format.hpp"
#include "qtz/core/metrics.hpp"
#include "qtz/core/params.hpp"
#include "qtz/core/profile.hpp"
#include "qtz/core/rounding.hpp"
#include "qtz/core/scheme.hpp"
#include "qtz/core/shape.hpp"

#include "qtz/kernels/scalar/histogram.hpp"
#include "qtz/kernels/scalar/minmax.hpp"
#include "qtz/kernels/scalar/quantize.hpp"
#include "qtz/dispatch/dispatch.hpp"
#include "qtz/quant/ops.hpp"

#include "qtz/calib/calibrator.hpp"
#include "qtz/calib/minmax.hpp"
#include "qtz/calib/moving_average.hpp"
#include "qtz/calib/histogram.hpp"
#include "qtz/calib/trt_histogram.hpp"
#include "qtz/calib/histogram_calibrator.hpp"
#include "qtz/calib/percentile.hpp"
#include "qtz/calib/entropy.hpp"
#include "qtz/calib/mse.hpp"

#include "qtz/eigen/adapt.hpp"
#include "qtz/eigen/quantizer.hpp"

#include "qtz/io/npy.hpp"
#include "qtz/requant/requantize.hpp"
