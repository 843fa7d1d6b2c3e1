/* Splits an expression into tokens. */
#include "token.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void lexer_init(struct lexer *lexer, const char *text) {
  lexer->text = text;
  lexer->position = 0;
}

static struct token make(enum token_kind kind, size_t position) {
  struct token token;
  memset(&token, 0, sizeof token);
  token.kind = kind;
  token.position = position;
  return token;
}

struct token lexer_next(struct lexer *lexer) {
  const char *text = lexer->text;
  while (isspace((unsigned char)text[lexer->position])) lexer->position++;
  size_t start = lexer->position;
  char c = text[start];
  if (c == '\0') return make(TOKEN_END, start);
  if (isdigit((unsigned char)c) || c == '.') {
    char *end;
    struct token token = make(TOKEN_NUMBER, start);
    token.number = strtod(text + start, &end);
    lexer->position = (size_t)(end - text);
    if (lexer->position == start) return make(TOKEN_ERROR, start);
    return token;
  }
  if (isalpha((unsigned char)c)) {
    struct token token = make(TOKEN_NAME, start);
    size_t length = 0;
    while (isalnum((unsigned char)text[lexer->position])) {
      if (length + 1 < sizeof token.name) token.name[length++] = text[lexer->position];
      lexer->position++;
    }
    token.name[length] = '\0';
    return token;
  }
  lexer->position++;
  switch (c) {
    case '+': return make(TOKEN_PLUS, start);
    case '-': return make(TOKEN_MINUS, start);
    case '*': return make(TOKEN_STAR, start);
    case '/': return make(TOKEN_SLASH, start);
    case '^': return make(TOKEN_CARET, start);
    case '(': return make(TOKEN_LPAREN, start);
    case ')': return make(TOKEN_RPAREN, start);
    case ',': return make(TOKEN_COMMA, start);
    default: return make(TOKEN_ERROR, start);
  }
}

const char *token_kind_name(enum token_kind kind) {
  static const char *const names[] = {"number", "name", "'+'", "'-'", "'*'", "'/'",
                                      "'^'", "'('", "')'", "','", "end of input", "bad character"};
  return names[kind];
}
