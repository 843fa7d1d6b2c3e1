/* Grammar:  expr := term (('+'|'-') term)*   term := unary (('*'|'/') unary)*
 *           unary := '-' unary | power         power := primary ('^' unary)?
 *           primary := NUMBER | NAME | NAME '(' expr (',' expr)? ')' | '(' expr ')'  */
#include "parser.h"
#include "token.h"

#include <setjmp.h>
#include <stdio.h>

struct parser {
  struct lexer lexer;
  struct token current;
  struct parse_error *error;
  jmp_buf failure;
};

static void advance(struct parser *parser) { parser->current = lexer_next(&parser->lexer); }

static void fail(struct parser *parser, const char *expected) {
  parser->error->position = parser->current.position;
  snprintf(parser->error->message, sizeof parser->error->message, "expected %s, found %s", expected,
           token_kind_name(parser->current.kind));
  longjmp(parser->failure, 1);
}

static void expect(struct parser *parser, enum token_kind kind) {
  if (parser->current.kind != kind) fail(parser, token_kind_name(kind));
  advance(parser);
}

static struct node *expression(struct parser *parser);
static struct node *unary(struct parser *parser);

static struct node *primary(struct parser *parser) {
  struct token token = parser->current;
  if (token.kind == TOKEN_NUMBER) {
    advance(parser);
    return node_number(token.number);
  }
  if (token.kind == TOKEN_NAME) {
    advance(parser);
    if (parser->current.kind != TOKEN_LPAREN) return node_variable(token.name);
    advance(parser);
    struct node *argument = expression(parser);
    struct node *second = NULL;
    if (parser->current.kind == TOKEN_COMMA) {
      advance(parser);
      second = expression(parser);
    }
    expect(parser, TOKEN_RPAREN);
    return node_call(token.name, argument, second);
  }
  if (token.kind == TOKEN_LPAREN) {
    advance(parser);
    struct node *inner = expression(parser);
    expect(parser, TOKEN_RPAREN);
    return inner;
  }
  fail(parser, "a number, a name or '('");
  return NULL;
}

static struct node *power(struct parser *parser) {
  struct node *base = primary(parser);
  if (parser->current.kind != TOKEN_CARET) return base;
  advance(parser);
  return node_binary('^', base, unary(parser));
}

static struct node *unary(struct parser *parser) {
  if (parser->current.kind == TOKEN_MINUS) {
    advance(parser);
    return node_unary('-', unary(parser));
  }
  return power(parser);
}

static struct node *term(struct parser *parser) {
  struct node *left = unary(parser);
  while (parser->current.kind == TOKEN_STAR || parser->current.kind == TOKEN_SLASH) {
    char op = parser->current.kind == TOKEN_STAR ? '*' : '/';
    advance(parser);
    left = node_binary(op, left, unary(parser));
  }
  return left;
}

static struct node *expression(struct parser *parser) {
  struct node *left = term(parser);
  while (parser->current.kind == TOKEN_PLUS || parser->current.kind == TOKEN_MINUS) {
    char op = parser->current.kind == TOKEN_PLUS ? '+' : '-';
    advance(parser);
    left = node_binary(op, left, term(parser));
  }
  return left;
}

struct node *parse_expression(const char *text, struct parse_error *error) {
  struct parser parser;
  parser.error = error;
  lexer_init(&parser.lexer, text);
  advance(&parser);
  /* Nodes built before a failure are leaked deliberately: the calculator exits on errors. */
  if (setjmp(parser.failure) != 0) return NULL;
  struct node *tree = expression(&parser);
  expect(&parser, TOKEN_END);
  return tree;
}
