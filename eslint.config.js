// ESLint flat config: typescript-eslint with type-aware rules over the whole project.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "charts/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-definitions": "off",
      // @kubernetes/client-node models are data-only classes; object literals are how everyone builds them.
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
    },
  },
  { files: ["*.js"], ...tseslint.configs.disableTypeChecked },
);
