/* Recursive-descent parser: expression text to tree. */
#ifndef CALC_PARSER_H
#define CALC_PARSER_H

#include "ast.h"

#include <stddef.h>

struct parse_error {
  size_t position;
  char message[96];
};

/* Returns the tree, or NULL with *error filled in. */
struct node *parse_expression(const char *text, struct parse_error *error);

#endif
