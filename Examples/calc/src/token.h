/* Tokens of the calculator's expression language. */
#ifndef CALC_TOKEN_H
#define CALC_TOKEN_H

#include <stddef.h>

enum token_kind {
  TOKEN_NUMBER,
  TOKEN_NAME,
  TOKEN_PLUS,
  TOKEN_MINUS,
  TOKEN_STAR,
  TOKEN_SLASH,
  TOKEN_CARET,
  TOKEN_LPAREN,
  TOKEN_RPAREN,
  TOKEN_COMMA,
  TOKEN_END,
  TOKEN_ERROR
};

struct token {
  enum token_kind kind;
  double number;
  char name[32];
  size_t position;
};

struct lexer {
  const char *text;
  size_t position;
};

void lexer_init(struct lexer *lexer, const char *text);
struct token lexer_next(struct lexer *lexer);
const char *token_kind_name(enum token_kind kind);

#endif
