// Built-in samplers (OpenTelemetry semantics).
#include "hoptrace/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "internal.h"

namespace hoptrace {
namespace {

class AlwaysOn final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParams&) const noexcept override {
    return {SamplingDecision::kRecordAndSample, {}, std::nullopt};
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParams&) const noexcept override {
    return {SamplingDecision::kDrop, {}, std::nullopt};
  }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatio final : public Sampler {
 public:
  bool always() const noexcept { return always_; }
  explicit TraceIdRatio(double ratio) : ratio_(std::clamp(ratio, 0.0, 1.0)) {
    // As the Go SDK: sample when (last 8 bytes, big-endian) >> 1 < ratio * 2^63.
    if (ratio_ >= 1.0) {
      upper_bound_ = std::uint64_t{1} << 63;
      always_ = true;
    } else {
      upper_bound_ = static_cast<std::uint64_t>(ratio_ * 9223372036854775808.0);
    }
  }
  SamplingResult ShouldSample(const SamplingParams& params) const noexcept override {
    if (always_) return {SamplingDecision::kRecordAndSample, {}, std::nullopt};
    const auto& b = params.trace_id.bytes();
    std::uint64_t x = 0;
    for (int i = 8; i < 16; ++i) x = (x << 8) | b[static_cast<std::size_t>(i)];
    x >>= 1;
    return {x < upper_bound_ ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop,
            {},
            std::nullopt};
  }
  std::string Description() const override {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "TraceIdRatioBased{%g}", ratio_);
    return buf;
  }

 private:
  double ratio_;
  std::uint64_t upper_bound_ = 0;
  bool always_ = false;
};

class ParentBased final : public Sampler {
 public:
  friend internal::SamplerShortcuts internal::ShortcutsOf(const Sampler&) noexcept;
  ParentBased(std::shared_ptr<const Sampler> root, ParentBasedOptions o)
      : root_(std::move(root)),
        remote_sampled_(o.remote_parent_sampled ? o.remote_parent_sampled : AlwaysOnSampler()),
        remote_not_sampled_(o.remote_parent_not_sampled ? o.remote_parent_not_sampled
                                                        : AlwaysOffSampler()),
        local_sampled_(o.local_parent_sampled ? o.local_parent_sampled : AlwaysOnSampler()),
        local_not_sampled_(o.local_parent_not_sampled ? o.local_parent_not_sampled
                                                      : AlwaysOffSampler()) {
    if (!root_) root_ = AlwaysOnSampler();
  }
  SamplingResult ShouldSample(const SamplingParams& p) const noexcept override {
    if (!p.parent.IsValid()) return root_->ShouldSample(p);
    if (p.parent.IsRemote()) {
      return p.parent.IsSampled() ? remote_sampled_->ShouldSample(p)
                                  : remote_not_sampled_->ShouldSample(p);
    }
    return p.parent.IsSampled() ? local_sampled_->ShouldSample(p)
                                : local_not_sampled_->ShouldSample(p);
  }
  std::string Description() const override {
    return "ParentBased{root:" + root_->Description() +
           ",remoteParentSampled:" + remote_sampled_->Description() +
           ",remoteParentNotSampled:" + remote_not_sampled_->Description() +
           ",localParentSampled:" + local_sampled_->Description() +
           ",localParentNotSampled:" + local_not_sampled_->Description() + "}";
  }

 private:
  std::shared_ptr<const Sampler> root_, remote_sampled_, remote_not_sampled_, local_sampled_,
      local_not_sampled_;
};

}  // namespace

namespace internal {

SamplerShortcuts ShortcutsOf(const Sampler& sampler) noexcept {
  auto all = [](SamplerShortcut s) { return SamplerShortcuts{s, s, s, s, s}; };
  if (dynamic_cast<const AlwaysOn*>(&sampler) != nullptr) return all(SamplerShortcut::kRecordAndSample);
  if (dynamic_cast<const AlwaysOff*>(&sampler) != nullptr) return all(SamplerShortcut::kDrop);
  if (const auto* r = dynamic_cast<const TraceIdRatio*>(&sampler); r != nullptr && r->always()) {
    return all(SamplerShortcut::kRecordAndSample);
  }
  if (const auto* p = dynamic_cast<const ParentBased*>(&sampler)) {
    // Each branch sees the same parameters, so it answers as it would for that kind of parent.
    return {ShortcutsOf(*p->root_)[0], ShortcutsOf(*p->remote_sampled_)[1],
            ShortcutsOf(*p->remote_not_sampled_)[2], ShortcutsOf(*p->local_sampled_)[3],
            ShortcutsOf(*p->local_not_sampled_)[4]};
  }
  return all(SamplerShortcut::kCall);
}

}  // namespace internal

std::shared_ptr<const Sampler> AlwaysOnSampler() {
  static const auto kSampler = std::make_shared<const AlwaysOn>();
  return kSampler;
}

std::shared_ptr<const Sampler> AlwaysOffSampler() {
  static const auto kSampler = std::make_shared<const AlwaysOff>();
  return kSampler;
}

std::shared_ptr<const Sampler> TraceIdRatioBasedSampler(double ratio) {
  if (std::isnan(ratio)) ratio = 0;
  return std::make_shared<const TraceIdRatio>(ratio);
}

std::shared_ptr<const Sampler> ParentBasedSampler(std::shared_ptr<const Sampler> root,
                                                  ParentBasedOptions options) {
  return std::make_shared<const ParentBased>(std::move(root), std::move(options));
}

std::optional<std::shared_ptr<const Sampler>> SamplerFromName(std::string_view name,
                                                              std::string_view arg) {
  std::string n = internal::ToLower(internal::Trim(name));
  auto ratio = [&]() -> std::optional<double> {
    std::string a(internal::Trim(arg));
    if (a.empty()) return 1.0;
    char* end = nullptr;
    double r = std::strtod(a.c_str(), &end);
    if (end == a.c_str() || *end != '\0' || std::isnan(r) || r < 0 || r > 1) return std::nullopt;
    return r;
  };
  if (n == "always_on") return AlwaysOnSampler();
  if (n == "always_off") return AlwaysOffSampler();
  if (n == "parentbased_always_on") return ParentBasedSampler(AlwaysOnSampler());
  if (n == "parentbased_always_off") return ParentBasedSampler(AlwaysOffSampler());
  if (n == "traceidratio" || n == "parentbased_traceidratio") {
    std::optional<double> r = ratio();
    if (!r) {
      internal::Log(LogLevel::kWarning, "sampler argument \"" + std::string(arg) +
                                            "\" is not a ratio in [0, 1]; using 1.0");
      r = 1.0;
    }
    auto s = TraceIdRatioBasedSampler(*r);
    return n == "traceidratio" ? s : ParentBasedSampler(s);
  }
  return std::nullopt;
}

}  // namespace hoptrace
