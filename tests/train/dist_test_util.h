// SPDX-License-Identifier: Apache-2.0
// Helpers for the distributed train/ tests: a free TCP port for the rendezvous
// store, and a short run on the tiny chat model with or without a DistGroup.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "adapters/peft_io.h"
#include "data/dataset.h"
#include "tests/train/train_test_util.h"
#include "train/dist_group.h"
#include "train/trainer.h"

namespace lorag::test {

// A port no one listens on right now (the kernel picks it).
inline int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  return ok ? ntohs(addr.sin_port) : 29500;
}

// torchrun's variables for a world of one on this machine.
inline train::DistEnv single_rank_env() {
  return *train::parse_dist_env({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"LOCAL_RANK", "0"},
                                 {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", std::to_string(free_tcp_port())}});
}

// Trains 4 steps on the Q/A fixture (into `dir`) and returns the adapter tensors
// (none on ranks other than 0, which write nothing).
inline std::map<std::string, torch::Tensor> train_qa(model::LoadedModel& m, const std::filesystem::path& dir,
                                                     train::DistGroup* group, int64_t batch_size = 2) {
  data::DataConfig dc;
  dc.max_seq_len = 128;
  dc.eval_path = fixture("train/qa_eval.jsonl");
  auto tmpl = model::text::ChatTemplate::detect(m.chat_template_source);
  auto ds = data::build_dataset(fixture("train/qa.jsonl"), *m.tokenizer, tmpl, dc);
  train::TrainConfig c;
  c.rank = 4;
  c.alpha = 8;
  c.dropout = 0.0;
  c.lr = 1e-2;
  c.batch_size = batch_size;
  c.max_steps = 4;
  c.warmup_steps = 1;
  train::TrainerOptions opts{dir, "chat_bpe", {}, false, group};
  train::Trainer(m.net, c, {ds.train, ds.eval, data::pad_id_for(m.tokenizer->special_tokens())}, opts).run();
  if (group && group->rank() != 0) return {};  // rank 0 alone writes the adapter
  return adapters::load_peft_adapter(dir).tensors();
}

}  // namespace lorag::test
