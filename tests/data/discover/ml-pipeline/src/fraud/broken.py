def broken(:
    import openai
