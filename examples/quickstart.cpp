// The README's usage example (kept identical to it): int8 per-channel weights, uint8 activations.
#include <cstdio>
#include <qtz/qtz.hpp>

int main() {
  Eigen::Tensor<float, 2, Eigen::RowMajor> W(4, 16);  // 4 output channels
  W.setRandom();
  qtz::Quantizer<std::int8_t, qtz::SymmetricRestricted, qtz::PerChannel> wq{qtz::PerChannel{0}};
  wq.observe(W);                                       // MinMax calibration, one range per row
  auto qw = wq.quantize(W);                            // qtz::QTensor: int8 codes + QuantParams
  Eigen::Tensor<float, 2, Eigen::RowMajor> w_hat = qw.dequantize();
  std::printf("weights: S[0] = %.6g, SQNR %.1f dB\n", qw.params.scale[0], qtz::eigen::sqnr_db(W, w_hat));

  qtz::Quantizer<std::uint8_t, qtz::Asymmetric, qtz::PerTensor> aq;  // activations, a stream of batches
  for (int b = 0; b < 8; ++b) aq.observe(Eigen::MatrixXf(Eigen::MatrixXf::Random(32, 64).cwiseMax(0.0f)));
  qtz::QuantParams p = aq.params();
  std::printf("activations: S = %.6g, Z = %d\n", p.scale[0], p.zero_point[0]);
}
