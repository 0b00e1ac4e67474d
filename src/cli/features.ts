// `alys features validate FILE`: checks a features file before an operator installs it. Exit status
// 0 when valid (and the settings it gives, as JSON); 2 with one line naming the field otherwise.
import { UsageError } from './errors.ts';

export async function featuresCommand(argv: string[], print: (line: string) => void): Promise<number> {
  const [what, file, ...rest] = argv;
  if (what !== 'validate' || file === undefined || rest.length > 0) throw new UsageError('usage: alys features validate <file>');
  const { FeaturesError } = await import('../node/features.ts');
  const { loadFeatures } = await import('../io/prod/features-watcher.ts');
  try {
    print(JSON.stringify(loadFeatures(file)));
    return 0;
  } catch (err) {
    if (err instanceof FeaturesError) throw new UsageError(err.message);
    throw err;
  }
}
