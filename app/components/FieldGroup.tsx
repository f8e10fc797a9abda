/**
 * The forms' building blocks: an annotated section holding a card of fields, and rows of text
 * fields that show the server's per-field errors (message keys with params, translated here).
 */
import { Card, FormLayout, Layout, TextField } from "@shopify/polaris";
import type { ReactNode } from "react";
import { useI18n, type Translator } from "../i18n";
import type { MessageKey } from "../messages/en";
import type { FieldError } from "../pages/settings-form";

/** A server validation error in the page's language. */
export function fieldErrorText(
  i18n: Translator,
  error: FieldError | undefined,
): string | undefined {
  return error ? i18n.t(error.key as MessageKey, error.params) : undefined;
}

/** A titled section of a settings form: the explanation beside, the fields in a card. */
export function FormSection({
  id,
  title,
  description,
  children,
}: {
  id: string;
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <Layout.AnnotatedSection id={id} title={title} description={description}>
      <Card>
        <FormLayout>{children}</FormLayout>
      </Card>
    </Layout.AnnotatedSection>
  );
}

export interface FieldSpec<F extends string> {
  readonly field: F;
  readonly label: string;
  readonly help?: string;
  readonly suffix?: string;
  readonly placeholder?: string;
  /** Numbers: the decimal keypad on phones (the value stays text, parsed on the server). */
  readonly numeric?: boolean;
}

/**
 * Text fields, `perRow` to a row, each named after its field, with its error. `idPrefix`
 * gives each input a stable id (`${idPrefix}${field}`) for labels and tests.
 */
export function FieldGroup<F extends string>({
  fields,
  values,
  errors,
  onChange,
  perRow = 2,
  condensed = false,
  idPrefix,
}: {
  fields: readonly FieldSpec<F>[];
  values: Readonly<Record<F, string>>;
  errors: Partial<Record<string, FieldError>>;
  onChange: (field: F, value: string) => void;
  perRow?: number;
  condensed?: boolean;
  idPrefix?: string;
}) {
  const i18n = useI18n();
  const rows: FieldSpec<F>[][] = [];
  for (let i = 0; i < fields.length; i += perRow) rows.push(fields.slice(i, i + perRow));
  return (
    <>
      {rows.map((row) => (
        <FormLayout.Group key={row[0].field} condensed={condensed}>
          {row.map((spec) => (
            <TextField
              key={spec.field}
              label={spec.label}
              name={spec.field}
              id={idPrefix === undefined ? undefined : `${idPrefix}${spec.field}`}
              type="text"
              inputMode={spec.numeric ? "decimal" : undefined}
              placeholder={spec.placeholder}
              value={values[spec.field]}
              onChange={(value) => onChange(spec.field, value)}
              suffix={spec.suffix}
              helpText={spec.help}
              error={fieldErrorText(i18n, errors[spec.field])}
              autoComplete="off"
            />
          ))}
        </FormLayout.Group>
      ))}
    </>
  );
}
