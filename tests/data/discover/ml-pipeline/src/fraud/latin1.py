# résumé of the feature set
import anthropic
