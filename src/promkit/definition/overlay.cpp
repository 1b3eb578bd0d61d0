// Overlays: reading <id>.overlay.toml and putting its wording into a definition.
#include "promkit/definition/overlay.hpp"

#include <cstddef>
#include <utility>

#include <fmt/format.h>

#include "promkit/definition/internal/toml_reader.hpp"

namespace promkit {
using definition_detail::Diagnostics;
using definition_detail::Need;
using definition_detail::TableReader;

Overlay load_overlay_file(const std::string& path) {
  Diagnostics diags(path);
  const toml::table root = definition_detail::read_toml_file(diags, "overlay file");
  Overlay ov;
  ov.path = path;
  TableReader r(diags, root, "the overlay");
  definition_detail::read_schema(r);
  ov.instrument_id = r.string("overlay_for", Need::Required).value_or("");
  ov.language = r.string("language").value_or("");
  ov.instructions = r.string("instructions").value_or("");
  ov.timeframe = r.string("timeframe").value_or("");
  if (const toml::array* items = r.array("items", Need::Required)) {
    for (const auto& node : *items) {
      if (!node.is_table()) {
        diags.error(node.source(), "each entry of 'items' must be a table ([[items]])");
        continue;
      }
      TableReader ir(diags, *node.as_table(), "an overlay item");
      OverlayItem it;
      it.pos = diags.pos(node.source());
      it.id = ir.string("id", Need::Required).value_or("");
      it.text = ir.string("text", Need::Required).value_or("");
      it.help = ir.string("help").value_or("");
      ir.finish();
      ov.items.push_back(std::move(it));
    }
  }
  r.finish();
  diags.throw_if_errors();
  return ov;
}

void apply_overlay(Instrument& ins, const Overlay& ov) {
  Diagnostics diags(ov.path);
  std::vector<bool> covered(ins.items.size(), false);
  for (const auto& oi : ov.items) {
    const int idx = ins.item_index(oi.id);
    if (idx < 0) {
      diags.error_at(oi.pos,
                     fmt::format("overlay names item '{}', which {} does not have", oi.id, ins.id));
      continue;
    }
    covered[static_cast<std::size_t>(idx)] = true;
  }
  for (std::size_t i = 0; i < ins.items.size(); ++i) {
    if (!covered[i] && ins.items[i].text.empty()) {
      diags.error_at(
          SourcePos{ov.path, 0, 0},
          fmt::format("overlay for {} gives no text for item '{}'", ins.id, ins.items[i].id));
    }
  }
  diags.throw_if_errors();
  for (const auto& oi : ov.items) {
    auto& item = ins.items[static_cast<std::size_t>(ins.item_index(oi.id))];
    item.text = oi.text;
    if (!oi.help.empty()) {
      item.help = oi.help;
    }
  }
  if (!ov.instructions.empty()) {
    ins.instructions = ov.instructions;
  }
  if (!ov.timeframe.empty()) {
    ins.timeframe = ov.timeframe;
  }
  if (!ov.language.empty()) {
    ins.language = ov.language;
  }
  ins.text_source = "overlay " + ov.path;
}

}  // namespace promkit
