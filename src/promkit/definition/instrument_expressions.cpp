// The instrument loader's expressions: the names an expression may use where it stands in the
// file (Symbols), compiling an expression with messages that say why a name is not available,
// and the line:column inside the TOML string where a compile error is.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "promkit/definition/internal/instrument_loader.hpp"

namespace promkit::definition_detail {

// ---- Symbols -----------------------------------------------------------------------------------

std::optional<Symbol> Symbols::lookup(std::string_view name) const {
  if (!context_only) {
    for (int i = 0; i < visible_items; ++i) {
      if (ins_.items[static_cast<std::size_t>(i)].id == name) {
        const auto& it = ins_.items[static_cast<std::size_t>(i)];
        Symbol s;
        s.kind = SymbolKind::ItemCode;
        s.index = i;
        s.range = {it.min_code(), it.max_code(), codes_integral(it)};
        return s;
      }
    }
    for (int i = 0; i < visible_scales; ++i) {
      if (ins_.scales[static_cast<std::size_t>(i)].id == name) {
        Symbol s;
        s.kind = SymbolKind::Scale;
        s.index = i;
        s.range = ins_.scales[static_cast<std::size_t>(i)].range;
        return s;
      }
    }
    for (int i = 0; i < visible_rules; ++i) {
      if (ins_.rules[static_cast<std::size_t>(i)].id == name) {
        Symbol s;
        s.kind = SymbolKind::Rule;
        s.index = i;
        s.range = {0, 1, true};
        return s;
      }
    }
  }
  for (std::size_t i = 0; i < ins_.context.size(); ++i) {
    if (ins_.context[i].id == name) {
      Symbol s;
      s.kind = SymbolKind::Context;
      s.index = static_cast<int>(i);
      s.range = {0, static_cast<double>(ins_.context[i].values.size()) - 1, true};
      s.values = ins_.context[i].values;
      return s;
    }
  }
  return std::nullopt;
}

std::optional<Symbol> Symbols::score_of(std::string_view name) const {
  if (context_only) {
    return std::nullopt;
  }
  for (int i = 0; i < visible_items; ++i) {
    const auto& it = ins_.items[static_cast<std::size_t>(i)];
    if (it.id == name && it.scored) {
      Symbol s;
      s.kind = SymbolKind::ItemScore;
      s.index = i;
      s.range = {it.min_score(), it.max_score(), scores_integral(it)};
      return s;
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> Symbols::item_range(std::string_view first,
                                                            std::string_view last) const {
  if (context_only) {
    return std::nullopt;
  }
  int a = -1;
  int b = -1;
  for (int i = 0; i < visible_items; ++i) {
    const auto& id = ins_.items[static_cast<std::size_t>(i)].id;
    if (id == first) {
      a = i;
    }
    if (id == last) {
      b = i;
    }
  }
  if (a < 0 || b < 0 || b < a) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (int i = a; i <= b; ++i) {
    out.push_back(ins_.items[static_cast<std::size_t>(i)].id);
  }
  return out;
}

bool Symbols::codes_integral(const Item& it) {
  if (it.type == ItemType::Number) {
    return it.integer;
  }
  return std::all_of(it.options.begin(), it.options.end(),
                     [](const ResponseOption& o) { return o.code == std::floor(o.code); });
}

bool Symbols::scores_integral(const Item& it) {
  if (it.type == ItemType::Number) {
    return it.integer;
  }
  return std::all_of(it.options.begin(), it.options.end(),
                     [](const ResponseOption& o) { return o.score == std::floor(o.score); });
}

// ---- compiling ---------------------------------------------------------------------------------

std::optional<Program> InstrumentLoader::compile(const toml::node& node, const std::string& text,
                                                 const Symbols& symbols, const std::string& what) {
  try {
    return compile_expression(text, symbols);
  } catch (const ExpressionError& e) {
    SourcePos p = expression_pos(node, std::min(e.offset(), text.size()));
    std::string msg = e.what();
    // A name that exists but comes later in the file gets a clearer message.
    const std::string prefix = "unknown name '";
    if (msg.rfind(prefix, 0) == 0) {
      const auto end = msg.find('\'', prefix.size());
      const std::string name = msg.substr(prefix.size(), end - prefix.size());
      if (symbols.context_only && (ins_.item_index(name) >= 0 || ins_.scale_index(name) >= 0)) {
        msg = fmt::format(
            "'{}' cannot be used here: a band's 'when' may only use context variables", name);
      } else if (all_ids_.count(name) != 0) {
        msg = fmt::format(
            "'{}' is defined later in the file: an expression can only use items, "
            "scales and rules defined before it",
            name);
      }
    }
    error_at(p, fmt::format("in {}: {}", what, msg));
    return std::nullopt;
  }
}

// Maps an offset in a string's decoded value to a line and column in the file: walks the raw
// token from its opening quote, undoing escapes, a multi-line string's first newline and
// line-ending backslashes. Columns count code points, as toml++ does.
SourcePos InstrumentLoader::expression_pos(const toml::node& node,
                                           std::size_t decoded_offset) const {
  SourcePos p = pos(node.source());
  if (p.line == 0 || p.column == 0) {
    return p;
  }
  // Byte index of the token's start.
  std::size_t i = 0;
  for (std::uint32_t line = 1; line < p.line && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
    }
  }
  for (std::uint32_t col = 1; col < p.column && i < text_.size(); ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) {
    ++i;
  }
  if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) {
    return p;
  }
  const char quote = text_[i];
  const bool basic = quote == '"';
  const bool multi = text_.compare(i, 3, std::string(3, quote)) == 0;
  std::uint32_t line = p.line;
  std::uint32_t col = p.column + (multi ? 3 : 1);
  i += multi ? 3 : 1;
  if (multi) {  // a newline right after the opening quotes is not part of the value
    if (i < text_.size() && text_[i] == '\n') {
      ++i;
      ++line;
      col = 1;
    } else if (i + 1 < text_.size() && text_[i] == '\r' && text_[i + 1] == '\n') {
      i += 2;
      ++line;
      col = 1;
    }
  }
  auto advance = [&](std::size_t n) {
    for (std::size_t k = 0; k < n && i < text_.size(); ++k, ++i) {
      const char c = text_[i];
      if (c == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++col;
      }
    }
  };
  std::size_t decoded = 0;
  while (decoded < decoded_offset && i < text_.size()) {
    const char c = text_[i];
    if (basic && c == '\\' && i + 1 < text_.size()) {
      const char e = text_[i + 1];
      if (e == 'u' || e == 'U') {
        const std::size_t digits = e == 'u' ? 4 : 8;
        unsigned long cp = 0;
        for (std::size_t k = 0; k < digits && i + 2 + k < text_.size(); ++k) {
          const char h = text_[i + 2 + k];
          cp = cp * 16 + static_cast<unsigned long>(h >= 'a' ? h - 'a' + 10
                                                             : (h >= 'A' ? h - 'A' + 10 : h - '0'));
        }
        decoded += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        advance(2 + digits);
      } else if (multi && (e == '\n' || e == '\r' || e == ' ' || e == '\t')) {
        advance(1);  // line-ending backslash: it and the white space after it vanish
        while (i < text_.size() &&
               (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
          advance(1);
        }
      } else {
        decoded += 1;
        advance(2);
      }
      continue;
    }
    decoded += 1;
    advance(1);
  }
  p.line = line;
  p.column = col;
  return p;
}

}  // namespace promkit::definition_detail
