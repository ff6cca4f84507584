// SPDX-License-Identifier: Apache-2.0
// The torch-light parts of train/: schedules against transformers, config
// checks, label shifting, metrics.csv, the SVG plot, and the progress bar.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "model/core/atomic_file.h"
#include "model/core/error.h"
#include "model/core/progress.h"
#include "tests/test_util.h"
#include "train/batch_tensors.h"
#include "train/loss_plot.h"
#include "train/lr_schedule.h"
#include "train/metrics_log.h"
#include "train/train_config.h"

namespace lorag::test {
namespace {

TEST(LrSchedule, MatchesTransformersSchedules) {
  const auto cases = read_json(fixture("train/schedules.json"));
  ASSERT_EQ(cases.size(), 9u);
  for (const auto& c : cases) {
    train::LrSchedule s{train::parse_schedule_kind(c["kind"]), c["peak"].get<double>(), c["warmup"].get<int64_t>(),
                        c["total"].get<int64_t>()};
    const auto& lrs = c["lr"];
    for (size_t step = 0; step < lrs.size(); ++step) {
      EXPECT_NEAR(s.lr_at(static_cast<int64_t>(step)), lrs[step].get<double>(), 1e-12)
          << c["kind"] << " warmup " << c["warmup"] << " total " << c["total"] << " step " << step;
    }
  }
}

TEST(LrSchedule, HandValues) {
  train::LrSchedule s{train::ScheduleKind::kCosine, 1.0, 2, 12};
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.5);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 1.0);
  EXPECT_NEAR(s.lr_at(7), 0.5, 1e-12);  // half-way through the decay
  EXPECT_THROW(train::parse_schedule_kind("step"), ConfigError);
}

TEST(TrainConfig, DefaultsAreThePeftTrlOnes) {
  train::TrainConfig c;
  EXPECT_EQ(c.rank, 16);
  EXPECT_EQ(c.alpha, 32);
  EXPECT_EQ(c.dropout, 0.05);
  EXPECT_EQ(c.lr, 2e-4);
  EXPECT_EQ(c.scheduler, "cosine");
  EXPECT_EQ(c.warmup_ratio, 0.03);
  EXPECT_EQ(c.batch_size, 4);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.resolved_warmup_steps(100), 3);
  EXPECT_EQ(c.resolved_warmup_steps(10), 1);  // ceil, as transformers
  c.warmup_steps = 0;
  EXPECT_EQ(c.resolved_warmup_steps(100), 0);
  const auto lora = train::TrainConfig{}.lora_config("base");
  EXPECT_TRUE(lora.all_linear());
  EXPECT_EQ(lora.base_model_name_or_path, "base");
}

TEST(TrainConfig, ValidateNamesFieldAndValue) {
  train::TrainConfig c;
  c.batch_size = 0;
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("batch_size must be >= 1, got 0"), std::string::npos);
  c = {};
  c.scheduler = "exp";
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("scheduler must be cosine, linear or constant, got 'exp'"),
            std::string::npos);
  c = {};
  c.dropout = 1.0;
  EXPECT_NE(error_of<ConfigError>([&] { c.validate(); }).find("dropout"), std::string::npos);
  c = {};
  c.targets = "q_proj,,v_proj";
  EXPECT_EQ(c.lora_config("").target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
}

TEST(ShiftLabels, ShiftsAndStopsAtPackedBoundariesAndPadding) {
  data::Batch b;
  b.batch_size = 1;
  b.seq_len = 6;
  b.input_ids = {10, 11, 12, 20, 21, 0};
  b.labels = {-100, 11, 12, -100, 21, -100};
  b.attention_mask = {1, 1, 1, 1, 1, 0};
  b.position_ids = {0, 1, 2, 0, 1, 0};
  b.sequence_ids = {0, 0, 0, 1, 1, -1};
  // Packed with train_on_prompt the boundary label (20) must not be predicted from example 0.
  b.labels[3] = 20;
  EXPECT_EQ(train::shift_labels(b), (std::vector<int64_t>{11, 12, -100, 21, -100, -100}));
}

TEST(MetricsLog, RoundTripsThroughCsv) {
  const auto dir = temp_dir("metrics");
  train::MetricsRow a{1, 0.5, 2.5, 1e-4, 0.75, 100, 1234.5, std::nullopt, std::nullopt};
  train::MetricsRow b{2, 1.0, 2.0, 2e-4, 0.5, 90, 1000.0, 2.25, 9.487735836};
  {
    train::MetricsLog log(dir / "metrics.csv", {a});
    log.append(b);
  }
  const auto rows = train::read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].step, 1);
  EXPECT_FALSE(rows[0].eval_loss.has_value());
  EXPECT_DOUBLE_EQ(rows[1].loss, 2.0);
  EXPECT_NEAR(*rows[1].eval_ppl, 9.48774, 1e-4);
  const auto text = read_file(dir / "metrics.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')), train::kMetricsHeader);
  EXPECT_NE(text.find("\n1,0.5000,2.5,0.0001,0.75,100,1234.5,,\n"), std::string::npos) << text;
}

TEST(LossPlot, SvgHasBothCurvesAxesAndLegend) {
  std::vector<train::MetricsRow> rows;
  for (int i = 1; i <= 10; ++i) {
    train::MetricsRow r;
    r.step = i;
    r.loss = 3.0 / i;
    if (i % 5 == 0) r.eval_loss = 3.5 / i;
    rows.push_back(r);
  }
  const auto svg = train::loss_svg(rows);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("<polyline id=\"train\""), std::string::npos);
  EXPECT_NE(svg.find("<polyline id=\"eval\""), std::string::npos);
  EXPECT_NE(svg.find(">train loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">eval loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // An empty run still gives a valid picture.
  EXPECT_NE(train::loss_svg({}).find("</svg>"), std::string::npos);
  EXPECT_EQ(train::nice_ticks(0, 10), (std::vector<double>{0, 2, 4, 6, 8, 10}));
}

TEST(ProgressBar, PlainLinesWhenNotATerminal) {
  std::ostringstream out;
  {
    ProgressBar bar({"train", 4, 10, 2}, out, /*interactive=*/false);
    for (int i = 1; i <= 4; ++i) bar.update(i, {{"loss", "1.0"}}, 100.0);
  }
  const auto text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);  // steps 2 and 4
  EXPECT_NE(text.find("train 100% 4/4 loss 1.0 | 100.0 tok/s | ETA 0s\n"), std::string::npos) << text;
}

TEST(ProgressBar, RewritesInPlaceOnATerminal) {
  std::ostringstream out;
  ProgressBar bar({"train", 10, 10, 0}, out, /*interactive=*/true);
  bar.update(5, {{"loss", "2.0"}});
  EXPECT_EQ(out.str().rfind("\rtrain  50% [#####.....] 5/10 loss 2.0 | ETA", 0), 0u) << out.str();
  bar.message("eval");
  EXPECT_NE(out.str().find("\neval\n"), std::string::npos);
  EXPECT_EQ(format_duration(3725), "1h02m");
  EXPECT_EQ(format_duration(65), "1m05s");
}

}  // namespace
}  // namespace lorag::test
