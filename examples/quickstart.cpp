// The README's usage example: per-channel int8 weights and uint8 activations with qtz.
#include <cstdio>
#include <qtz/qtz.hpp>

int main() {
  Eigen::Tensor<float, 2, Eigen::RowMajor> W(4, 16);  // 4 output channels
  W.setRandom();
  // int8 weights, symmetric restricted range, one scale per output channel (axis 0), min/max.
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> wq{qtz::PerChannel{0}};
  wq.observe(W);
  auto qw = wq.quantize(W);  // qtz::QTensor: codes + QuantParams
  Eigen::Tensor<float, 2, Eigen::RowMajor> w_hat = qw.dequantize();
  std::printf("weights: scale[0] = %.6g, SQNR = %.1f dB\n", qw.params.scale[0], qtz::eigen::sqnr_db(W, w_hat));
  // uint8 activations, asymmetric, per tensor, calibrated over a stream of batches.
  qtz::Quantizer<std::uint8_t, qtz::Asymmetric> aq;
  for (int b = 0; b < 8; ++b) aq.observe(Eigen::MatrixXf(Eigen::MatrixXf::Random(32, 64).cwiseMax(0.0f)));
  qtz::QuantParams p = aq.params();
  std::printf("activations: scale = %.6g, zero point = %d\n", p.scale[0], p.zero_point[0]);
  return 0;
}
